import { importCommitJobId, settleFailedJob } from "@mbe/core";
import { imports } from "@mbe/db";
import { and, eq, lt, sql } from "drizzle-orm";
import type { WorkerOptions } from "./index";

/** How long an import may say "committing" with no job behind it before its job is queued again. */
const ORPHAN_AFTER_MS = 5 * 60_000;

/** How far back the sweep looks: failures are settled within a sweep or two, so a day is ample. */
const LOOK_BACK_MS = 24 * 3600_000;
/** The newest failed jobs read per queue and sweep. */
const PER_QUEUE = 500;

/**
 * Reads the newest failed jobs of the imports, exports and OCR queues and settles what each was
 * working on (`settleFailedJob`): BullMQ fails a job whose worker died too often without running
 * its processor, so nothing else would. Runs every minute on the imports queue; settling is
 * idempotent, so reading the same failures again changes nothing. Returns how many were settled.
 */
export async function settleFailedJobs(opts: WorkerOptions, now = Date.now()): Promise<number> {
  const { queues } = opts.runtime;
  let settled = 0;
  for (const queue of [queues.imports, queues.exports, queues.ocr]) {
    // Newest first: the failed set is ordered by when each job failed.
    const jobs = await queue.getJobs(["failed"], 0, PER_QUEUE - 1, false);
    for (const job of jobs) {
      if (!job?.finishedOn || job.finishedOn < now - LOOK_BACK_MS) continue;
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
