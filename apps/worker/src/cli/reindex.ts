/**
 * `pnpm reindex`: queues a full rebuild of the search index (built into new collections and
 * swapped in atomically by the worker). Uses REDIS_URL and QUEUE_PREFIX like the worker.
 */
import { createQueues } from "@mbe/jobs";
import { Redis } from "ioredis";

const url = process.env.REDIS_URL;
if (!url) {
  console.error(
    "Set REDIS_URL to the Redis the workers use (pnpm start prints it), or use POST /v1/admin/search/reindex.",
  );
  process.exit(1);
}
const redis = new Redis(url, { maxRetriesPerRequest: null });
const queues = createQueues(redis, process.env.QUEUE_PREFIX ?? "mbe");
const job = await queues.searchIndex.add(
  "rebuild-index",
  { requestedBy: "cli" },
  { jobId: `rebuild-${Date.now()}` },
);
console.log(`reindex queued as job ${job.id}`);
await queues.close();
redis.disconnect();
