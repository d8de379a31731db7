# The API (REST, tRPC, health, and the built console). Build from the repository root:
#   docker build -f docker/api.Dockerfile -t mbe-api .
# Stateless: run as many replicas as needed behind a load balancer (see README, "Running in production").

FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN npm i -g pnpm@12.21.0
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY patches/ patches/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/console/package.json apps/console/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/formats/package.json packages/formats/
COPY packages/jobs/package.json packages/jobs/
COPY packages/local-services/package.json packages/local-services/
COPY packages/ocr/package.json packages/ocr/
COPY packages/search/package.json packages/search/
RUN pnpm install --frozen-lockfile

FROM deps AS build
COPY . .
RUN pnpm --filter @mbe/console build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/data RUN_WORKERS=0 \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
STOPSIGNAL SIGTERM
# The flags of apps/api/src/node-flags.ts.
CMD ["node", "--max-old-space-size=1024", "--import", "tsx", "apps/api/src/main.ts"]
