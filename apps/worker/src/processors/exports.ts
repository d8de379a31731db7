import { runExport } from "@mbe/core";
import { QUEUES, RunExportPayload } from "@mbe/jobs";
import { Worker } from "bullmq";
import { jobContext, lockOptions, registerProcessor } from "../index";

/** `exports` queue: `run-export` writes the file to storage with rows/total progress. */
registerProcessor((opts) => {
  const worker = new Worker(
    QUEUES.exports,
    async (job) => {
      const p = RunExportPayload.parse(job.data);
      const done = await runExport(
        jobContext(opts, p.ownerId, String(job.id)),
        p.exportId,
        (progress) => job.updateProgress(progress),
      );
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
    opts.log.error({ jobId: job?.id, err: err.message }, "export job failed"),
  );
  return [worker];
});
