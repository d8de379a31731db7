import { recordAudit } from "../audit/record";
import { type CoreContext, requireAdmin } from "../context";
import { enqueue, queuesOf } from "../enqueue";

/**
 * The rebuild that makes the index readable by `embedderId`: its active generation was built by
 * another embedder (the OpenAI key was added or removed), or there is none yet (`no-index`: a new
 * deployment, whose listings the index never saw). Deduplicated per embedder while one is waiting
 * or running, so processes that start together and searches that meet the old index meanwhile
 * ask for one rebuild; once it has finished, the next request makes a new one. The worker skips an
 * `embedder-changed` one when a rebuild has made the index readable by that embedder meanwhile,
 * and any of them when its own embedder is another one (the processes disagree about the key).
 */
export function embedderRebuildJob(embedderId: string, reason: "embedder-changed" | "no-index") {
  return {
    name: "rebuild-index",
    data: { reason, embedderId },
    opts: { deduplication: { id: `rebuild-for-${embedderId}` } },
  };
}

/** Queues a full rebuild of the search index (new collections, swapped in atomically). */
export async function requestReindex(ctx: CoreContext) {
  requireAdmin(ctx, "write");
  const job = await enqueue(
    ctx,
    queuesOf(ctx).searchIndex,
    "rebuild-index",
    { requestedBy: ctx.actor?.userId },
    { jobId: `rebuild-${Date.now()}` },
  );
  await recordAudit(ctx, {
    action: "search.reindex_requested",
    resourceType: "search_index",
    resourceId: String(job.id),
  });
  return { jobId: String(job.id) };
}

/** Enqueues index jobs for changed listings, in bounded batches (the hook every write calls). */
export function searchIndexHooks(
  queues: NonNullable<CoreContext["queues"]>,
  log: CoreContext["log"],
): Required<CoreContext["hooks"]> {
  return {
    async listingsChanged(ownerId, change, callerLog = log) {
      try {
        for (let i = 0; i < Math.max(change.upsert.length, change.remove.length); i += 5000) {
          await queues.searchIndex.add(
            "index-listings",
            {
              ownerId,
              upsert: change.upsert.slice(i, i + 5000),
              remove: change.remove.slice(i, i + 5000),
            },
            {
              removeOnComplete: { count: 200 },
              attempts: 5,
              backoff: { type: "exponential", delay: 500 },
            },
          );
        }
      } catch (err) {
        // A save never fails because indexing could not be queued; the nightly rebuild catches up.
        callerLog.warn({ err: (err as Error).message, ownerId }, "could not queue search indexing");
      }
    },
  };
}
