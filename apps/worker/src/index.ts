import {
  type CoreContext,
  type CoreHooks,
  defaultAuthConfig,
  hooksLoggingTo,
  type Logger,
  type Mailer,
  type SearchPort,
  type Storage,
} from "@mbe/core";
import type { Db } from "@mbe/db";
import type { Queues } from "@mbe/jobs";
import type { JobMetrics } from "@mbe/jobs/metrics";
import type { Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { withBindings } from "./logger";

/** What the processors need; the API's runtime satisfies it for the all-in-one `pnpm start`. */
export interface WorkerRuntime {
  db: { db: Db; kind: "postgres" | "pglite" };
  bullRedis: Redis;
  queues: Queues;
  dataDir: string;
  storage: Storage;
  hooks: CoreHooks;
  copyInto?: CoreContext["copyInto"];
  copyOut?: CoreContext["copyOut"];
  search?: SearchPort;
  /** Sends the "export ready" emails; without it none are sent. */
  mailer?: Mailer;
  /** The API's JWT secret, so links signed here (export downloads) verify there. */
  jwtSecret?: string;
}

export interface WorkerOptions {
  runtime: WorkerRuntime;
  config: {
    QUEUE_PREFIX: string;
    SEARCH_REBUILD_CRON?: string;
    /** Where the console is reached; emailed links start with it. */
    PUBLIC_URL?: string;
    /** How long a job's lock lasts without renewal; a crashed worker's jobs wait this long. */
    WORKER_LOCK_MS?: number;
    /** How often workers look for jobs whose lock expired (a crashed worker's) to take over. */
    WORKER_STALLED_INTERVAL_MS?: number;
  };
  log: Logger;
  /** Where processors count import and export rows (the API registry in-process, else the worker's). */
  metrics?: JobMetrics;
}

/** Lock and stalled-check timing for a processor's BullMQ worker (defaults: BullMQ's, or `lockMs`). */
export function lockOptions(opts: WorkerOptions, lockMs = 30_000) {
  return {
    lockDuration: opts.config.WORKER_LOCK_MS ?? lockMs,
    stalledInterval: opts.config.WORKER_STALLED_INTERVAL_MS ?? 30_000,
  };
}

/** Whether this run is the job's last attempt: a failure now is final, not retried. */
export const isLastAttempt = (job: Job) => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

/** A processor module: registers its BullMQ worker(s) and returns them for shutdown. */
export type ProcessorFactory = (opts: WorkerOptions) => Promise<Worker[]> | Worker[];

const factories: ProcessorFactory[] = [];

/**
 * The context a job runs verbs with: acting as the seller who owns the work. Every line the verbs
 * log carries the job id and queue.
 */
export function jobContext(
  opts: WorkerOptions,
  ownerId: string,
  jobId: string,
  queue?: string,
): CoreContext {
  const { runtime } = opts;
  const log = withBindings(opts.log, { jobId, ...(queue ? { queue } : {}) });
  return {
    db: runtime.db.db,
    rootDb: runtime.db.db,
    actor: { userId: ownerId, role: "seller", via: "jwt", scopes: ["read", "write"] },
    requestId: `job:${jobId}`,
    log,
    // Jobs never issue tokens; the secret only signs emailed download links.
    auth: defaultAuthConfig(runtime.jwtSecret ?? "job-context-does-not-sign-tokens"),
    hooks: hooksLoggingTo(runtime.hooks, log),
    storage: runtime.storage,
    queues: runtime.queues,
    copyInto: runtime.copyInto,
    copyOut: runtime.copyOut,
    search: runtime.search,
    mailer: runtime.mailer,
  };
}

/** Adds a processor; each feature (imports, exports, OCR, search index) registers one. */
export function registerProcessor(f: ProcessorFactory) {
  factories.push(f);
}

/**
 * Starts every registered processor. Returns a stop function that lets running jobs finish (or
 * hands them back to the queue) before closing.
 */
export async function startWorkers(
  opts: WorkerOptions,
): Promise<(timeoutMs?: number) => Promise<void>> {
  await import("./processors/index");
  const workers: Worker[] = [];
  for (const f of factories) workers.push(...(await f(opts)));
  for (const w of workers)
    w.on("error", (err) => opts.log.error({ queue: w.name, err: err.message }, "worker error"));
  opts.log.info({ workers: workers.map((w) => w.name) }, "workers started");
  return async (timeoutMs) => {
    // close() takes no new jobs and waits for the active ones to finish.
    const drained = Promise.all(workers.map((w) => w.close())).then(() => "drained" as const);
    if (!timeoutMs) {
      await drained;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([drained, deadline]);
    clearTimeout(timer);
    if (outcome === "timeout")
      // Their locks lapse and the stalled check of a live worker puts them back in the queue.
      opts.log.warn(
        { timeoutMs },
        "jobs still running at the shutdown deadline; they will be retried",
      );
  };
}
