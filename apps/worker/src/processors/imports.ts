import {
  AnalysisNotAwaited,
  analyzeImport,
  CommitSuperseded,
  failImportCommit,
  pruneImportStaging,
  runImportCommit,
} from "@mbe/core";
import { AnalyzeImportPayload, QUEUES, RunImportPayload } from "@mbe/jobs";
import { countImportRows } from "@mbe/jobs/metrics";
import { Worker } from "bullmq";
import { isLastAttempt, jobContext, lockOptions, registerProcessor } from "../index";
import { requeueOrphanedCommits, settleFailedJobs } from "../settle-failed-jobs";

/**
 * `imports` queue: `analyze-import` (dry run of large files), `run-import` (the commit) and, nightly,
 * `prune-staging` (staged rows of dry runs nobody committed) and, every minute, `settle-failed-jobs`
 * (imports, exports and scans whose job BullMQ failed without running its processor).
 */
registerProcessor(async (opts) => {
  const worker = new Worker(
    QUEUES.imports,
    async (job) => {
      if (job.name === "prune-staging") {
        const pruned = await pruneImportStaging({ db: opts.runtime.db.db });
        if (pruned.rows) opts.log.info({ jobId: job.id, ...pruned }, "stale import staging pruned");
        return pruned;
      }
      if (job.name === "settle-failed-jobs")
        return {
          settled: await settleFailedJobs(opts),
          requeued: await requeueOrphanedCommits(opts),
        };
      if (job.name === "analyze-import") {
        const p = AnalyzeImportPayload.parse(job.data);
        try {
          return await analyzeImport(
            jobContext(opts, p.ownerId, String(job.id), QUEUES.imports),
            p.importId,
            p.options as never,
            {
              lastAttempt: isLastAttempt(job),
              // A job that reached Redis after its upload was marked failed (as not queued), or
              // one run again after its import was analysed, leaves the import as it is.
              onlyUploaded: true,
              // Polled by GET /v1/imports/{id} while the import is `uploaded`.
              onProgress: (progress) => job.updateProgress(progress),
            },
          );
        } catch (err) {
          // Nothing left to do, so nothing to retry.
          if (err instanceof AnalysisNotAwaited) return { status: err.importStatus, skipped: true };
          throw err;
        }
      }
      const p = RunImportPayload.parse(job.data);
      const ctx = jobContext(opts, p.ownerId, String(job.id), QUEUES.imports);
      try {
        const done = await runImportCommit(ctx, p.importId, (progress) =>
          job.updateProgress(progress),
        );
        if (opts.metrics && done.status === "committed") countImportRows(opts.metrics, done.counts);
        return { status: done.status, counts: done.counts };
      } catch (err) {
        // Retries run the whole commit again from a clean staging area; after the last, say why.
        // A run another run took over leaves the import to it.
        if (!(err instanceof CommitSuperseded) && isLastAttempt(job))
          await failImportCommit(ctx, p.importId, (err as Error).message);
        throw err;
      }
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
      { jobId: job?.id, queue: QUEUES.imports, name: job?.name, err: err.message },
      "import job failed",
    ),
  );
  await opts.runtime.queues.imports.upsertJobScheduler(
    "nightly-prune-staging",
    { pattern: "30 3 * * *" },
    { name: "prune-staging", data: {} },
  );
  await opts.runtime.queues.imports.upsertJobScheduler(
    "settle-failed-jobs",
    { every: 60_000 },
    {
      name: "settle-failed-jobs",
      data: {},
      opts: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
    },
  );
  return [worker];
});
