# Background workers (imports, exports, OCR, search index). Scale with `docker compose up --scale worker=3`.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN npm i -g pnpm@12.21.0
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
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

FROM node:20-bookworm-slim
ENV NODE_ENV=production DATA_DIR=/data
WORKDIR /app
COPY --from=deps --chown=node:node /app /app
COPY --chown=node:node . .
RUN mkdir -p /data && chown node:node /data
USER node
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "process.exit(0)"
CMD ["node", "--import", "tsx", "apps/worker/src/main.ts"]
