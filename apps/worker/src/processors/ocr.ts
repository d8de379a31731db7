import { failScan, OCR_LOCK_PREFIX, runScan } from "@mbe/core";
import { ProcessScanPayload, QUEUES } from "@mbe/jobs";
import type { ScanProgress, ScanResult } from "@mbe/ocr";
import { DelayedError, Worker } from "bullmq";
import {
  isLastAttempt,
  jobContext,
  lockOptions,
  registerProcessor,
  type WorkerOptions,
} from "../index";
import { OcrThread } from "../ocr/runner";

/** Reads one scan's file: the OCR thread in the worker. */
export type Scanner = (
  bytes: Uint8Array,
  onProgress: (p: ScanProgress) => void,
  signal: AbortSignal,
) => Promise<ScanResult>;

/** How long an OCR job's lock (and its scan's) lasts without renewal, unless configured. */
const OCR_LOCK_MS = 120_000;

/** Extends a scan's lock only while `ARGV[1]` (the job) still holds it. */
const EXTEND_LOCK = `if redis.call("get", KEYS[1]) == ARGV[1] then
  return redis.call("pexpire", KEYS[1], ARGV[2])
end
return 0`;

/**
 * `ocr` queue: `process-scan`. The whole pipeline runs in a worker thread (with its own warm
 * tesseract pool), so this process's event loop keeps serving and BullMQ keeps renewing the
 * job's lock; a Redis lock, renewed alongside it, keeps two jobs from processing the same scan at
 * once however long the scan takes.
 */
export function ocrWorkers(opts: WorkerOptions, scanner?: Scanner): Worker[] {
  const thread = scanner ? undefined : new OcrThread();
  const scan: Scanner =
    scanner ??
    ((bytes, onProgress, signal) => (thread as OcrThread).scan(bytes, onProgress, signal));
  const redis = opts.runtime.bullRedis;
  const locks = lockOptions(opts, OCR_LOCK_MS);
  // The scan's lock lasts as long as the job's and is renewed as often as BullMQ renews that:
  // it holds while the job works, and lapses with it when the worker dies.
  const lockMs = locks.lockDuration;
  const worker = new Worker(
    QUEUES.ocr,
    async (job, token) => {
      const p = ProcessScanPayload.parse(job.data);
      const lock = `${opts.config.QUEUE_PREFIX}:${OCR_LOCK_PREFIX}${p.scanId}`;
      let got = await redis.set(lock, String(job.id), "PX", lockMs, "NX");
      // Held by this same job: its previous run died (BullMQ gives a job to one worker at a time
      // and hands it on only once the holder stalled), so take the lock over rather than wait
      // for it to lapse.
      if (!got && (await redis.get(lock)) === String(job.id))
        got = await redis.set(lock, String(job.id), "PX", lockMs, "XX");
      if (!got) {
        // Another job holds this scan: try again shortly instead of processing it twice.
        await job.moveToDelayed(Date.now() + 5000, token);
        throw new DelayedError();
      }
      const renew = setInterval(
        () => {
          // A missed renewal is retried at the next tick; the lock outlasts two of them.
          void redis.eval(EXTEND_LOCK, 1, lock, String(job.id), lockMs).catch(() => {});
        },
        Math.max(50, Math.floor(lockMs / 3)),
      );
      try {
        const ctx = jobContext(opts, p.ownerId, String(job.id), QUEUES.ocr);
        try {
          return await runScan(ctx, p.scanId, scan, (progress) =>
            job.updateProgress(progress as unknown as object),
          );
        } catch (err) {
          if (isLastAttempt(job)) await failScan(ctx, p.scanId, err);
          throw err;
        }
      } finally {
        clearInterval(renew);
        // Only the holder releases the lock.
        if ((await redis.get(lock)) === String(job.id)) await redis.del(lock);
      }
    },
    {
      connection: redis,
      prefix: opts.config.QUEUE_PREFIX,
      concurrency: 1,
      ...locks,
    },
  );
  worker.on("failed", (job, err) =>
    opts.log.error({ jobId: job?.id, queue: QUEUES.ocr, err: err.message }, "ocr job failed"),
  );
  worker.on("closed", () => {
    void thread?.close();
  });
  return [worker];
}

registerProcessor((opts) => ocrWorkers(opts));
