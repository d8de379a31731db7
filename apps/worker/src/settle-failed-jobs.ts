import { settleFailedJob } from "@mbe/core";
import type { WorkerOptions } from "./index";

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
