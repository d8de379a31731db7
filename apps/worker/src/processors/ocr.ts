import { failScan, OCR_LOCK_PREFIX, runScan } from "@mbe/core";
import { ProcessScanPayload, QUEUES } from "@mbe/jobs";
import { DelayedError, Worker } from "bullmq";
import { isLastAttempt, jobContext, lockOptions, registerProcessor } from "../index";
import { OcrThread } from "../ocr/runner";

/**
 * `ocr` queue: `process-scan`. The whole pipeline runs in a worker thread (with its own warm
 * tesseract pool), so this process's event loop keeps serving; a Redis lock keeps two jobs from
 * processing the same scan at once.
 */
registerProcessor((opts) => {
  const thread = new OcrThread();
  const redis = opts.runtime.bullRedis;
  const worker = new Worker(
    QUEUES.ocr,
    async (job, token) => {
      const p = ProcessScanPayload.parse(job.data);
      const lock = `${opts.config.QUEUE_PREFIX}:${OCR_LOCK_PREFIX}${p.scanId}`;
      let got = await redis.set(lock, String(job.id), "PX", 10 * 60_000, "NX");
      // Held by this same job: its previous run died (BullMQ gives a job to one worker at a time
      // and hands it on only once the holder stalled), so take the lock over rather than wait
      // out its ten minutes.
      if (!got && (await redis.get(lock)) === String(job.id))
        got = await redis.set(lock, String(job.id), "PX", 10 * 60_000, "XX");
      if (!got) {
        // Another job holds this scan: try again shortly instead of processing it twice.
        await job.moveToDelayed(Date.now() + 5000, token);
        throw new DelayedError();
      }
      try {
        const ctx = jobContext(opts, p.ownerId, String(job.id), QUEUES.ocr);
        try {
          return await runScan(
            ctx,
            p.scanId,
            (bytes, onProgress, signal) => thread.scan(bytes, onProgress, signal),
            (progress) => job.updateProgress(progress as unknown as object),
          );
        } catch (err) {
          if (isLastAttempt(job)) await failScan(ctx, p.scanId, err);
          throw err;
        }
      } finally {
        // Only the holder releases the lock.
        if ((await redis.get(lock)) === String(job.id)) await redis.del(lock);
      }
    },
    {
      connection: redis,
      prefix: opts.config.QUEUE_PREFIX,
      concurrency: 1,
      ...lockOptions(opts, 120_000),
    },
  );
  worker.on("failed", (job, err) =>
    opts.log.error({ jobId: job?.id, queue: QUEUES.ocr, err: err.message }, "ocr job failed"),
  );
  worker.on("closed", () => {
    void thread.close();
  });
  return [worker];
});
