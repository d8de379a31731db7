import { type CoreContext, runExport, sendExportReadyEmail } from "@mbe/core";
import { QUEUES, RunExportPayload } from "@mbe/jobs";
import { Worker } from "bullmq";
import {
  isLastAttempt,
  jobContext,
  lockOptions,
  registerProcessor,
  type WorkerOptions,
} from "../index";

/**
 * `exports` queue: `run-export` writes the file to storage with rows/total progress, then emails
 * the owner a signed download link (only these background exports; streamed ones send nothing).
 */
registerProcessor((opts) => {
  const worker = new Worker(
    QUEUES.exports,
    async (job) => {
      const p = RunExportPayload.parse(job.data);
      const ctx = jobContext(opts, p.ownerId, String(job.id), QUEUES.exports);
      const done = await runExport(ctx, p.exportId, (progress) => job.updateProgress(progress), {
        lastAttempt: isLastAttempt(job),
      });
      const format = done.fileName?.split(".").pop();
      if (opts.metrics && format && done.rowCount)
        opts.metrics.exportRows.inc({ format, mode: "job" }, done.rowCount);
      await notifyOwner(opts, ctx, p.exportId);
      return { status: done.status, rows: done.rowCount };
    },
    {
      connection: opts.runtime.bullRedis,
      prefix: opts.config.QUEUE_PREFIX,
      concurrency: 2,
      ...lockOptions(opts),
    },
  );
  worker.on("failed", (job, err) =>
    opts.log.error(
      { jobId: job?.id, queue: QUEUES.exports, err: err.message },
      "export job failed",
    ),
  );
  return [worker];
});

/** A failed email must not fail (and so re-run) an export that is already written. */
async function notifyOwner(opts: WorkerOptions, ctx: CoreContext, exportId: string) {
  const publicUrl = opts.config.PUBLIC_URL;
  // A link signed with a secret the API does not know would only answer 401.
  if (!opts.runtime.mailer || !opts.runtime.jwtSecret || !publicUrl) return;
  try {
    await sendExportReadyEmail(ctx, exportId, { publicUrl });
  } catch (err) {
    opts.log.error({ exportId, err: (err as Error).message }, "export-ready email failed");
  }
}
