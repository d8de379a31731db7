import { importCommitJobId, settleFailedJob } from "@mbe/core";
import { imports, rowsOf } from "@mbe/db";
import { and, eq, lt, sql } from "drizzle-orm";
import type { WorkerOptions } from "./index";

/** How long an import may say "committing" with no job behind it before its job is queued again. */
const ORPHAN_AFTER_MS = 5 * 60_000;

/** How far back the sweep looks: failures are settled within a sweep or two, so a day is ample. */
const LOOK_BACK_MS = 24 * 3600_000;
/** Failed jobs read per queue, sweep and page: the newest, and as many older ones in turn. */
const PAGE = 500;

/** Where the sweep remembers how far through a queue's older failures it has read. */
const cursorKey = (prefix: string, queue: string) => `${prefix}:settle-failed-jobs:${queue}`;

/**
 * The database's clock, in ms since the epoch. The sweep measures every age in it, as the orphan
 * check below does, rather than in whatever this machine's clock says.
 */
async function databaseNow(opts: WorkerOptions): Promise<number> {
  const [row] = rowsOf<{ now: number }>(
    await opts.runtime.db.db.execute(
      sql`select (extract(epoch from clock_timestamp()) * 1000)::float8 as now`,
    ),
  );
  if (!row) throw new Error("the database did not tell its time");
  return Number(row.now);
}

/**
 * Reads the failed jobs of the imports, exports and OCR queues and settles what each was working
 * on (`settleFailedJob`): BullMQ fails a job whose worker died too often without running its
 * processor, so nothing else would. Runs every minute on the imports queue; settling is
 * idempotent, so reading the same failures again changes nothing. Each sweep reads the newest
 * page of failures and the next page of older ones, carrying on where the last sweep stopped and
 * starting over past the oldest, so a burst of failures never hides older ones for good.
 * Failures older than a day by the database's clock are left. Returns how many were settled.
 */
export async function settleFailedJobs(
  opts: WorkerOptions,
  { page = PAGE }: { page?: number } = {},
): Promise<number> {
  const { queues } = opts.runtime;
  const prefix = opts.config.QUEUE_PREFIX;
  const redis = opts.runtime.bullRedis;
  const since = (await databaseNow(opts)) - LOOK_BACK_MS;
  let settled = 0;
  for (const queue of [queues.imports, queues.exports, queues.ocr]) {
    const key = cursorKey(prefix, queue.name);
    const from = Math.max(page, Number(await redis.get(key)) || 0);
    // Newest first: the failed set is ordered by when each job failed.
    const newest = await queue.getJobs(["failed"], 0, page - 1, false);
    const older = await queue.getJobs(["failed"], from, from + page - 1, false);
    // Past the oldest failure, or past the look-back: the next sweep starts over.
    const ended =
      older.length < page || older.some((job) => !job?.finishedOn || job.finishedOn < since);
    await redis.set(key, String(ended ? page : from + page));
    for (const job of [...newest, ...older]) {
      if (!job?.finishedOn || job.finishedOn < since) continue;
      const changed = await settleFailedJob(
        { db: opts.runtime.db.db },
        {
          queue: queue.name,
          name: job.name,
          data: job.data,
          failedReason: job.failedReason,
          finishedOn: job.finishedOn,
        },
      );
      if (changed) {
        settled++;
        opts.log.warn(
          { queue: queue.name, jobId: job.id, name: job.name, reason: job.failedReason },
          "failed job settled: its work is marked failed",
        );
      }
    }
  }
  return settled;
}

/**
 * Queues again the commit of an import left "committing" with no job at all: a request that
 * could not tell whether Redis took its job (it answered 503 and kept the import committing), or
 * a job lost with Redis's last second of writes. Without this the seller watches a commit that
 * never starts. A job waiting, running or failed is left to BullMQ and the sweep above.
 */
export async function requeueOrphanedCommits(
  opts: WorkerOptions,
  /** Only this seller's imports (tests share one database between runs of their own queues). */
  only?: { ownerId: string },
): Promise<number> {
  const { db, queues } = opts.runtime;
  const stuck = await db.db
    .select({ id: imports.id, ownerId: imports.ownerId })
    .from(imports)
    .where(
      and(
        eq(imports.status, "committing"),
        only ? eq(imports.ownerId, only.ownerId) : undefined,
        lt(imports.updatedAt, sql`now() - make_interval(secs => ${ORPHAN_AFTER_MS / 1000})`),
      ),
    )
    .limit(100);
  let queued = 0;
  for (const imp of stuck) {
    const jobId = importCommitJobId(imp.id);
    if ((await queues.imports.getJobState(jobId)) !== "unknown") continue;
    await queues.imports.add(
      "run-import",
      { importId: imp.id, ownerId: imp.ownerId, actorId: imp.ownerId },
      { jobId },
    );
    queued++;
    opts.log.warn({ importId: imp.id, jobId }, "commit had no job: queued again");
  }
  return queued;
}
