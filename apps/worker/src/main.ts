import {
  createJsonLogger,
  createMailer,
  createSearchPort,
  createStorage,
  routeConsoleTo,
  searchIndexHooks,
} from "@mbe/core";
import { copyIntoFor, copyOutFor, createDb } from "@mbe/db";
import { createQueues } from "@mbe/jobs";
import { jobMetrics } from "@mbe/jobs/metrics";
import { Redis } from "ioredis";
import { collectDefaultMetrics, Registry } from "prom-client";
import { z } from "zod";
import { startWorkers } from "./index";
import { serveWorkerMetrics } from "./metrics-server";

/** The worker process on its own (production: one or more beside the API replicas). */
const Config = z.object({
  DATABASE_URL: z.string().min(1, "DATABASE_URL is required for a standalone worker"),
  REDIS_URL: z.string().min(1, "REDIS_URL is required for a standalone worker"),
  DATA_DIR: z.string().default(".data"),
  STORAGE_DRIVER: z.enum(["local", "s3"]).default("local"),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().default("us-east-1"),
  S3_ENDPOINT: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: z.preprocess((v) => v === "1" || v === "true", z.boolean()).default(false),
  QUEUE_PREFIX: z.string().default("mbe"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  CHROMA_URL: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.string().optional(),
  SEARCH_REBUILD_CRON: z.string().default("0 3 * * *"),
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).optional(),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).optional(),
  /** Serves GET /metrics (import/export rows, process metrics) on this port; unset, none. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_TOKEN: z.string().min(16).optional(),
  /** How long SIGTERM waits for active jobs; past it they are left to be retried. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** The API's secret: "export ready" emails carry download links the API must verify. */
  JWT_SECRET: z.string().min(32).optional(),
  PUBLIC_URL: z.url().default("http://localhost:3000"),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default("Bulk Editor <no-reply@localhost>"),
});
const config = Config.parse(process.env);
const log = createJsonLogger(config.LOG_LEVEL);
// What libraries print with console.* joins the JSON log instead of interleaving plain text.
routeConsoleTo(log);
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const db = createDb({ url: config.DATABASE_URL });
await db.migrate();
const bullRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
const queues = createQueues(bullRedis, config.QUEUE_PREFIX);
const activeKey = `${config.QUEUE_PREFIX}:search:active`;
const search = config.CHROMA_URL
  ? createSearchPort({
      chromaUrl: config.CHROMA_URL,
      openaiApiKey: config.OPENAI_API_KEY,
      openaiBaseUrl: config.OPENAI_BASE_URL,
      activeStore: {
        get: () => bullRedis.get(activeKey),
        set: async (name) => {
          await bullRedis.set(activeKey, name);
        },
      },
    })
  : undefined;
const runtime = {
  db,
  bullRedis,
  queues,
  dataDir: config.DATA_DIR,
  storage: createStorage(config),
  // Index jobs only where a search-index worker will take them (they would pile up in Redis).
  hooks: search ? searchIndexHooks(queues, log) : {},
  copyInto: copyIntoFor(db),
  copyOut: copyOutFor(db),
  search,
  mailer: createMailer({ url: config.SMTP_URL, from: config.MAIL_FROM, log }),
  jwtSecret: config.JWT_SECRET,
};
if (!config.JWT_SECRET) log.warn({}, "no JWT_SECRET: finished exports are not emailed");
const stop = await startWorkers({ runtime, config, log, metrics: jobMetrics(registry) });
const metricsServer =
  config.WORKER_METRICS_PORT === undefined
    ? undefined
    : await serveWorkerMetrics(registry, {
        port: config.WORKER_METRICS_PORT,
        token: config.METRICS_TOKEN,
      });
if (metricsServer) log.info({ port: metricsServer.port }, "worker metrics on /metrics");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "worker draining");
  // A backstop only: stop() itself gives up waiting at the deadline.
  setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 5000).unref();
  metricsServer?.server.close();
  await stop(config.SHUTDOWN_TIMEOUT_MS);
  await queues.close();
  bullRedis.disconnect();
  runtime.mailer.close();
  await db.close();
  log.info({}, "worker stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
