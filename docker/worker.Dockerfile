# Background workers (imports, exports, OCR, search index, emails). Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t mbe-worker .
# Scale horizontally: every replica takes jobs from the same Redis (`docker compose up --scale worker=3`).

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

FROM deps AS source
COPY . .

FROM node:20-bookworm-slim AS runtime
# WORKER_METRICS_PORT serves /metrics inside the container only (no host port), so replicas never
# collide; the health check below uses it to see that the event loop answers.
ENV NODE_ENV=production DATA_DIR=/data WORKER_METRICS_PORT=9464 \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY --from=source --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.WORKER_METRICS_PORT+'/metrics').then(r=>process.exit(r.status<500?0:1)).catch(()=>process.exit(1))"
STOPSIGNAL SIGTERM
# No --max-old-space-size here, unlike the API: V8 applies that flag to every isolate in the
# process, worker threads included, and it overrides their `resourceLimits`. The PDF parser's
# thread is capped at 512 MB (packages/ocr/src/pdf.ts) so a hostile PDF fails on its own; with the
# flag that cap would become the flag's value. Bound the worker with the container's memory limit.
# (One 100k-row import peaked at ~250 MB of heap with the API and workers in one process.)
CMD ["node", "--import", "tsx", "apps/worker/src/main.ts"]
