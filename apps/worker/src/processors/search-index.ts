import type { SearchPort } from "@mbe/core";
import { listings } from "@mbe/db";
import { IndexListingsPayload, QUEUES } from "@mbe/jobs";
import { isSearchError, toSearchDocument } from "@mbe/search";
import { Worker } from "bullmq";
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { lockOptions, registerProcessor, type WorkerOptions } from "../index";

/** How long the index queue waits before trying Chroma again after it was unreachable. */
const UNAVAILABLE_PAUSE_MS = 2000;

type Row = typeof listings.$inferSelect;
/** Listings read and indexed per step of a rebuild. */
const PAGE = 5000;
const doc = (r: Row) =>
  toSearchDocument({
    id: r.id,
    title: r.title,
    description: r.description,
    category: r.category,
    condition: r.condition,
    sku: r.sku,
    status: r.status,
    price: r.price,
  });

async function indexListings(opts: WorkerOptions, search: SearchPort, data: IndexListingsPayload) {
  const { db } = opts.runtime.db;
  const rows = data.upsert.length
    ? await db
        .select()
        .from(listings)
        .where(and(eq(listings.ownerId, data.ownerId), inArray(listings.id, data.upsert)))
    : [];
  const found = new Set(rows.map((r) => r.id));
  // A listing deleted after the job was queued is removed rather than indexed.
  const remove = [...data.remove, ...data.upsert.filter((id) => !found.has(id))];
  if (rows.length) await search.index.upsert(data.ownerId, rows.map(doc));
  if (remove.length) await search.index.remove(data.ownerId, remove);
  return { indexed: rows.length, removed: remove.length };
}

/** Builds a new generation of every seller's collection and swaps it in atomically. */
async function rebuild(
  opts: WorkerOptions,
  search: SearchPort,
  progress: (p: object) => Promise<void>,
) {
  const { db } = opts.runtime.db;
  const rb = await search.index.beginRebuild({ force: true });
  let done = 0;
  try {
    const owners = (await db.selectDistinct({ ownerId: listings.ownerId }).from(listings)).map(
      (r) => r.ownerId,
    );
    const [{ total } = { total: 0 }] = await db
      .select({ total: sql<number>`count(*)::int` })
      .from(listings);
    for (const ownerId of owners) {
      // async: a real promise, so the query runs once however often it is awaited.
      const readPage = async (after: string | undefined): Promise<Row[]> =>
        db
          .select()
          .from(listings)
          .where(
            after
              ? and(eq(listings.ownerId, ownerId), gt(listings.id, after))
              : eq(listings.ownerId, ownerId),
          )
          .orderBy(asc(listings.id))
          .limit(PAGE);
      let next: Promise<Row[]> | undefined = readPage(undefined);
      while (next) {
        const page: Row[] = await next;
        const last = page.at(-1);
        // Keyset paging lets the next read start now, overlapping this page's indexing.
        next = page.length === PAGE && last ? readPage(last.id) : undefined;
        next?.catch(() => undefined);
        if (page.length) await rb.upsert(ownerId, page.map(doc));
        done += page.length;
        await progress({ processed: done, total: Number(total) });
      }
    }
    await rb.commit();
    return { indexed: done, generation: rb.generation };
  } catch (err) {
    await rb.abort().catch(() => {});
    throw err;
  }
}

/** `search-index` queue: `index-listings` after every write, `rebuild-index` nightly and on demand. */
registerProcessor(async (opts) => {
  const search = opts.runtime.search;
  if (!search) {
    opts.log.warn({}, "search is not configured; the search-index worker is off");
    return [];
  }
  const worker: Worker = new Worker(
    QUEUES.searchIndex,
    async (job) => {
      try {
        if (job.name === "rebuild-index")
          return await rebuild(opts, search, (p) => job.updateProgress(p));
        return await indexListings(opts, search, IndexListingsPayload.parse(job.data));
      } catch (err) {
        // Chroma unreachable: every index job would fail alike and spend its retries within
        // seconds, leaving saves unsearchable until the nightly rebuild. Pause the queue and keep
        // the job instead (no attempt spent); it runs again once Chroma answers.
        if (isSearchError(err, "SEARCH_UNAVAILABLE")) {
          await worker.rateLimit(UNAVAILABLE_PAUSE_MS);
          throw Worker.RateLimitError();
        }
        throw err;
      }
    },
    {
      connection: opts.runtime.bullRedis,
      prefix: opts.config.QUEUE_PREFIX,
      concurrency: 1,
      ...lockOptions(opts),
    },
  );
  worker.on("failed", (job, err) =>
    opts.log.warn(
      { jobId: job?.id, queue: QUEUES.searchIndex, name: job?.name, err: err.message },
      "search job failed",
    ),
  );
  // A new deployment (or one that switched embedder) has listings the index never saw: build it now.
  const status = await search.index.status().catch(() => null);
  if (status && (!status.active || !status.compatible))
    await opts.runtime.queues.searchIndex.add(
      "rebuild-index",
      { reason: "startup" },
      { jobId: `startup-rebuild-${status.embedderId}` },
    );
  await opts.runtime.queues.searchIndex.upsertJobScheduler(
    "nightly-rebuild",
    { pattern: opts.config.SEARCH_REBUILD_CRON ?? "0 3 * * *" },
    { name: "rebuild-index", data: {} },
  );
  return [worker];
});
