import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  type CoreContext,
  type CoreHooks,
  createJsonLogger,
  createMailer,
  createSearchPort,
  createStorage,
  S3Storage,
  type SearchPort,
  type Storage,
  searchIndexHooks,
} from "@mbe/core";
import { copyIntoFor, copyOutFor, createDb, type DbHandle, seedDemo } from "@mbe/db";
import { createQueues, type Queues } from "@mbe/jobs";
import { type LocalService, startChroma, startRedis } from "@mbe/local-services";
import { chromaCliPath } from "@mbe/search";
import { Redis } from "ioredis";
import type { ApiConfig } from "./config";
import type { AppDeps } from "./http/deps";
import { createRateLimits } from "./http/rate-limit";
import { type ApiMetrics, createApiMetrics } from "./metrics";
import { createQueuesBoard } from "./queues-board";

export interface Runtime {
  deps: AppDeps;
  db: DbHandle;
  queues: Queues;
  /** BullMQ connection for in-process workers (blocking commands, retries forever; lazy). */
  bullRedis: Redis;
  /** Fail-fast connection for rate limits and readiness. */
  redis: Redis;
  redisUrl: string;
  dataDir: string;
  storage: Storage;
  hooks: CoreHooks;
  copyInto?: CoreContext["copyInto"];
  copyOut?: CoreContext["copyOut"];
  search?: SearchPort;
  /** Outgoing email: SMTP when SMTP_URL is set, otherwise the log. */
  mailer: ReturnType<typeof createMailer>;
  /** Signs the download links workers email. */
  jwtSecret: string;
  /** Prometheus registry of this process; in-process workers add their counters to it. */
  metrics: ApiMetrics;
  close(): Promise<void>;
}

/** A JWT secret from the environment, or one generated once and kept in the data folder. */
function jwtSecret(config: ApiConfig): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  if (config.NODE_ENV === "production")
    throw new Error("JWT_SECRET must be set in production (32+ characters)");
  const file = path.join(config.DATA_DIR, "jwt-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * The API's connection for adding jobs: it fails at once while Redis is down (no offline queue,
 * one retry, a command timeout) so a request answers 503 instead of waiting for Redis to come
 * back. Workers keep BullMQ's blocking settings on their own connections.
 */
export function queueConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Adding and reading jobs never blocks, so a command slower than this means Redis is stuck
    // (generous: a busy event loop can make a quick answer look late).
    connectTimeout: 5000,
    commandTimeout: 5000,
  });
}

/**
 * Builds every Node-side dependency: the database (PostgreSQL or embedded PGlite), Redis (or a
 * private child redis-server), queues and limits. Migrations run here; demo data when asked.
 */
export async function buildRuntime(config: ApiConfig, version: string): Promise<Runtime> {
  const log = createJsonLogger(config.LOG_LEVEL);
  const started: LocalService[] = [];
  const db = createDb({
    url: config.DATABASE_URL,
    pgliteDir: config.DATABASE_URL ? undefined : config.PGLITE_DIR,
  });
  await db.migrate();
  log.info({ kind: db.kind }, "database ready, migrations applied");
  const seed = config.SEED_DEMO ?? !config.DATABASE_URL;
  if (seed) {
    const { created } = await seedDemo(db.db, {
      password: config.DEMO_PASSWORD,
      adminPassword: config.DEMO_ADMIN_PASSWORD,
    });
    if (created) log.info({ email: "demo@example.com" }, "demo seller created");
  }

  let redisUrl = config.REDIS_URL;
  if (!redisUrl) {
    const local = await startRedis(path.join(config.DATA_DIR, "redis"));
    started.push(local);
    redisUrl = local.url;
    log.info({ url: redisUrl }, "started a private redis-server");
  }
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
  });
  redis.on("error", () => {}); // reconnects on its own; readiness reports the state
  // Without an offline queue, commands sent before the connection is ready fail at once, which
  // the sign-in limit answers with 503: wait (briefly) for it before serving. A Redis that is
  // down at start is the degraded mode the limits already handle.
  await new Promise<void>((resolve) => {
    if (redis.status === "ready") return resolve();
    const timer = setTimeout(resolve, 5000);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  // Workers run in this process only with `pnpm start`; theirs is BullMQ's blocking connection.
  const bullRedis = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  bullRedis.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
  const queueRedis = queueConnection(redisUrl);
  queueRedis.on("error", () => {}); // reconnects on its own; a job added meanwhile answers 503
  const queues = createQueues(queueRedis, config.QUEUE_PREFIX);

  let search: SearchPort | undefined;
  if (config.SEARCH_ENABLED) {
    try {
      let chromaUrl = config.CHROMA_URL;
      if (!chromaUrl) {
        const chroma = await startChroma(path.join(config.DATA_DIR, "chroma"), chromaCliPath());
        started.push(chroma);
        chromaUrl = chroma.url;
        log.info({ url: chromaUrl }, "started a private Chroma server");
      }
      const activeKey = `${config.QUEUE_PREFIX}:search:active`;
      search = createSearchPort({
        chromaUrl,
        openaiApiKey: config.OPENAI_API_KEY,
        openaiBaseUrl: config.OPENAI_BASE_URL,
        activeStore: {
          get: () => redis.get(activeKey),
          set: async (name) => {
            await redis.set(activeKey, name);
          },
        },
      });
      log.info({ embedder: search.embedder }, "semantic search ready");
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        "semantic search is off: Chroma could not be started",
      );
    }
  }
  // Index jobs only where something will index them: with search off they would pile up in Redis.
  const hooks: CoreHooks = search ? searchIndexHooks(queues, log) : {};
  const storage = createStorage(config);
  const copyInto = copyIntoFor(db);
  const copyOut = copyOutFor(db);
  const metrics = createApiMetrics({ queues, processMetrics: true });
  const mailer = createMailer({ url: config.SMTP_URL, from: config.MAIL_FROM, log });
  if (!config.SMTP_URL)
    log.info({}, "no SMTP_URL: emails (reset links, export notices) are written to this log");
  const deps: AppDeps = {
    config,
    db: db.db,
    jwtSecret: jwtSecret(config),
    log,
    rateLimits: createRateLimits(redis, {
      prefix: config.QUEUE_PREFIX,
      perMinute: config.RATE_LIMIT_PER_MINUTE,
      uploadsPerMinute: config.UPLOADS_PER_MINUTE,
      exportsPerHour: config.EXPORTS_PER_HOUR,
      loginPerMinute: config.LOGIN_PER_MINUTE,
    }),
    hooks,
    readiness: [
      { name: "redis", check: async () => ({ pong: await redis.ping() }) },
      ...(storage instanceof S3Storage ? [{ name: "storage", check: () => storage.check() }] : []),
      ...(search
        ? [
            {
              name: "search",
              check: async () => ({
                embedder: search.embedder,
                index: await search.index.status(),
              }),
            },
          ]
        : []),
    ],
    search,
    storage,
    queues,
    copyInto,
    copyOut,
    mailer,
    version,
    metrics,
    queuesDashboard: createQueuesBoard(queues),
  };

  return {
    deps,
    db,
    queues,
    bullRedis,
    redis,
    redisUrl,
    storage,
    hooks,
    copyInto,
    copyOut,
    search,
    mailer,
    jwtSecret: deps.jwtSecret,
    metrics,
    dataDir: config.DATA_DIR,
    async close() {
      await queues.close().catch(() => {});
      queueRedis.disconnect();
      bullRedis.disconnect();
      redis.disconnect();
      mailer.close();
      await db.close().catch(() => {});
      if (storage instanceof S3Storage) storage.close();
      for (const s of started.reverse()) await s.stop();
    },
  };
}
