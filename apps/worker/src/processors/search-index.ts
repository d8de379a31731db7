import { randomUUID } from "node:crypto";
import { embedderRebuildJob, type SearchPort } from "@mbe/core";
import { listings } from "@mbe/db";
import { IndexListingsPayload, QUEUES } from "@mbe/jobs";
import { isSearchError, toSearchDocument } from "@mbe/search";
import { DelayedError, type Job, Worker } from "bullmq";
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { lockOptions, registerProcessor, type WorkerOptions } from "../index";

/** How long the index queue waits before trying again after Chroma or the embedder was unreachable. */
const UNAVAILABLE_PAUSE_MS = 2000;

/**
 * Chroma unreachable, or the embedding service down or rate limiting past its own retries: every
 * job would fail alike, so the queue pauses instead of spending their attempts.
 */
const isUnavailable = (err: unknown) =>
  isSearchError(err, "SEARCH_UNAVAILABLE") || isSearchError(err, "EMBEDDING_UNAVAILABLE");

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

/**
 * Waiting `index-listings` jobs taken into one batch at most (jobs, listing ids). Every Chroma write
 * costs ~8–10 ms of its CPU however few records it carries (then ~2 ms per re-embedded listing, ~0.3
 * ms per new one in batches of thousands), so saves are gathered for a moment and go out together,
 * one write per seller instead of one per save.
 */
const BATCH_JOBS = 500;
const BATCH_IDS = 5000;
/**
 * How long a small job waits for others to join its batch (adds at most this to the index lag,
 * whose target is p95 < 2 s): at 60 saves/s from 6 sellers, 500 ms halves the Chroma requests of
 * a 250 ms window.
 */
const BATCH_WINDOW_MS = 500;

/** How long a seller's index lock lives without its holder (a crashed worker's), and is waited for. */
const OWNER_LOCK_MS = 60_000;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`;

/**
 * Runs `fn` holding this seller's index lock in Redis, so worker replicas index one seller one
 * batch at a time: the batch that reads the database last also writes last. (A save whose text is
 * unchanged updates metadata only, planned from what the index holds; two batches interleaved
 * could otherwise leave an older text's vector under the newer text.)
 */
async function withOwnerLock<T>(opts: WorkerOptions, ownerId: string, fn: () => Promise<T>) {
  const redis = opts.runtime.bullRedis;
  const key = `${opts.config.QUEUE_PREFIX}:search-index-lock:${ownerId}`;
  const token = randomUUID();
  const giveUpAt = Date.now() + OWNER_LOCK_MS;
  while ((await redis.set(key, token, "PX", OWNER_LOCK_MS, "NX")) !== "OK") {
    // The job fails and is retried later, like any other transient failure.
    if (Date.now() > giveUpAt)
      throw new Error(`the search index of seller ${ownerId} stayed locked`);
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}

/**
 * While a rebuild runs, the saves indexed meanwhile are noted here (`<ownerId> <listingId>`), and
 * the rebuild indexes them once more before it swaps in: it may have read such a listing before
 * the save and written that older copy into the new generation after the save's own write.
 */
const rebuildKeys = (opts: WorkerOptions) => ({
  running: `${opts.config.QUEUE_PREFIX}:search-rebuilding`,
  touched: `${opts.config.QUEUE_PREFIX}:search-rebuild-touched`,
});
/** How long the saves noted during a rebuild are kept when the rebuild died without clearing them. */
const TOUCHED_MS = 6 * 3600_000;
/**
 * How long the `running` mark lives without being renewed: twice the job lock (a minute by
 * default). The rebuild renews it while it runs, so a rebuild whose process died stops holding
 * the others back within that time, however long rebuilds take.
 */
const rebuildMarkMs = (opts: WorkerOptions) => 2 * lockOptions(opts).lockDuration;
/** How long a rebuild waits before it looks again whether the one running has finished. */
const REBUILD_WAIT_MS = 5000;
const TAKE_OVER = `if redis.call("get", KEYS[1]) == ARGV[1] then redis.call("set", KEYS[1], ARGV[2], "PX", ARGV[3]) return 1 end return 0`;
/** Extends the mark while it is this rebuild's (or takes it back if it lapsed unclaimed); 0 if another holds it. */
const RENEW = `local v = redis.call("get", KEYS[1]) if v == ARGV[1] then redis.call("pexpire", KEYS[1], ARGV[2]) return 1 end if not v then redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1 end return 0`;

/**
 * Makes this job the one rebuild running (its id is the `running` mark), or says that another
 * one runs: one rebuild at a time over all worker replicas. Two at once would number the same
 * generation, the second dropping what the first had written (sellers' listings missing from the
 * index it then swapped in) and failing at its own swap, to start over.
 */
async function claimRebuild(opts: WorkerOptions, jobId: string): Promise<boolean> {
  const redis = opts.runtime.bullRedis;
  const { running } = rebuildKeys(opts);
  const markMs = rebuildMarkMs(opts);
  if ((await redis.set(running, jobId, "PX", markMs, "NX")) === "OK") return true;
  const holder = await redis.get(running);
  // Released meanwhile: another job waiting may be taking it now.
  if (holder === null) return (await redis.set(running, jobId, "PX", markMs, "NX")) === "OK";
  // This job's own mark: an attempt of it whose worker died.
  if (holder === jobId) return (await redis.set(running, jobId, "PX", markMs)) === "OK";
  if ((await opts.runtime.queues.searchIndex.getJobState(holder)) === "active") return false;
  // The holder is not running any more (its worker died): take its place.
  return (await redis.eval(TAKE_OVER, 1, running, holder, jobId, markMs)) === 1;
}

/**
 * Renews this rebuild's `running` mark until `stop()`. `lost()` says another rebuild took the mark
 * (this one's renewals failed for longer than it lives): going on would race that one to the swap.
 */
function holdRebuildMark(opts: WorkerOptions, jobId: string) {
  const redis = opts.runtime.bullRedis;
  const { running } = rebuildKeys(opts);
  const markMs = rebuildMarkMs(opts);
  let lost = false;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || lost) return;
    busy = true;
    redis
      .eval(RENEW, 1, running, jobId, markMs)
      .then((r) => {
        if (r !== 1) lost = true;
      })
      // Redis unreachable for a moment: the next turn tries again while the mark still lives.
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, markMs / 4);
  timer.unref?.();
  return {
    lost: () => lost,
    stop: () => clearInterval(timer),
  };
}

/**
 * Indexes these listings of one seller from what the database holds, under the seller's lock: a
 * listing that exists is (re-)embedded, one that does not any more is removed.
 */
async function indexOwner(opts: WorkerOptions, search: SearchPort, ownerId: string, ids: string[]) {
  const { db } = opts.runtime.db;
  const redis = opts.runtime.bullRedis;
  return withOwnerLock(opts, ownerId, async () => {
    const rows = await db
      .select()
      .from(listings)
      .where(and(eq(listings.ownerId, ownerId), inArray(listings.id, ids)));
    // Checked after the read: a rebuild that starts later reads these rows as they are now or newer.
    const keys = rebuildKeys(opts);
    if (await redis.exists(keys.running)) {
      await redis.sadd(keys.touched, ...ids.map((id) => `${ownerId} ${id}`));
      await redis.pexpire(keys.touched, TOUCHED_MS);
    }
    const found = new Set(rows.map((r) => r.id));
    const remove = ids.filter((id) => !found.has(id));
    if (rows.length) await search.index.upsert(ownerId, rows.map(doc));
    if (remove.length) await search.index.remove(ownerId, remove);
    return { indexed: rows.length, removed: remove.length };
  });
}

/**
 * Indexes the listings some jobs name, per seller: the database decides, so a listing that exists
 * is (re-)embedded and one that does not any more (deleted, or never there) is removed, whatever
 * order the saves and deletes were queued in.
 */
async function indexListings(
  opts: WorkerOptions,
  search: SearchPort,
  jobs: IndexListingsPayload[],
) {
  const byOwner = new Map<string, Set<string>>();
  for (const data of jobs) {
    const ids = byOwner.get(data.ownerId) ?? new Set<string>();
    for (const id of data.upsert) ids.add(id);
    for (const id of data.remove) ids.add(id);
    byOwner.set(data.ownerId, ids);
  }
  let indexed = 0;
  let removed = 0;
  for (const [ownerId, idSet] of byOwner) {
    const ids = [...idSet];
    if (!ids.length) continue;
    const r = await indexOwner(opts, search, ownerId, ids);
    indexed += r.indexed;
    removed += r.removed;
  }
  return { indexed, removed, jobs: jobs.length };
}

/**
 * Takes the `index-listings` jobs waiting behind the one running (up to the batch bounds) under
 * `token`. A job of another kind met on the way goes back to the queue and ends the batch.
 */
async function drainWaiting(drainer: Worker, token: string, first: IndexListingsPayload) {
  const taken: { job: Job; data: IndexListingsPayload }[] = [];
  let ids = first.upsert.length + first.remove.length;
  while (taken.length < BATCH_JOBS && ids < BATCH_IDS) {
    const next = await drainer.getNextJob(token, { block: false });
    if (!next) break;
    const parsed =
      next.name === "index-listings" ? IndexListingsPayload.safeParse(next.data) : null;
    if (!parsed) {
      await next.moveToWait(token);
      break;
    }
    if (!parsed.success) {
      await next.moveToFailed(new Error(`invalid payload: ${parsed.error.message}`), token);
      continue;
    }
    taken.push({ job: next, data: parsed.data });
    ids += parsed.data.upsert.length + parsed.data.remove.length;
  }
  return taken;
}

/** Builds a new generation of every seller's collection and swaps it in atomically. */
async function rebuild(
  opts: WorkerOptions,
  search: SearchPort,
  jobId: string,
  progress: (p: object) => Promise<void>,
) {
  const { db } = opts.runtime.db;
  const redis = opts.runtime.bullRedis;
  const keys = rebuildKeys(opts);
  const mark = holdRebuildMark(opts, jobId);
  const stillHeld = () => {
    if (mark.lost())
      throw new Error("another rebuild took over the search rebuild mark; this one stops");
  };
  let rb: Awaited<ReturnType<typeof search.index.beginRebuild>>;
  try {
    // Marks left by a rebuild whose worker died; this one reads every listing anyway.
    await redis.del(keys.touched);
    rb = await search.index.beginRebuild({ force: true });
  } catch (err) {
    mark.stop();
    await redis.eval(RELEASE, 1, keys.running, jobId).catch(() => undefined);
    throw err;
  }
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
        stillHeld();
        if (page.length) await rb.upsert(ownerId, page.map(doc));
        done += page.length;
        await progress({ processed: done, total: Number(total) });
      }
    }
    // Saves indexed while the pages were read: once every page is written, index them again from
    // the database, so no copy read before a save outlives it in the new generation. Saves from
    // here on are indexed after these writes, into both generations.
    await rb.flush();
    const touched = new Map<string, string[]>();
    for (const entry of await redis.smembers(keys.touched)) {
      const [ownerId, id] = entry.split(" ");
      if (!ownerId || !id) continue;
      const ids = touched.get(ownerId);
      if (ids) ids.push(id);
      else touched.set(ownerId, [id]);
    }
    for (const [ownerId, ids] of touched)
      for (let i = 0; i < ids.length; i += PAGE)
        await indexOwner(opts, search, ownerId, ids.slice(i, i + PAGE));
    stillHeld();
    await rb.commit();
    return { indexed: done, generation: rb.generation };
  } catch (err) {
    // A rebuild that took the mark over builds under the same generation name: leave it be.
    if (!mark.lost()) await rb.abort().catch(() => {});
    throw err;
  } finally {
    mark.stop();
    // Another rebuild that took the mark over keeps its noted saves.
    if (!mark.lost()) await redis.del(keys.touched).catch(() => undefined);
    await redis.eval(RELEASE, 1, keys.running, jobId).catch(() => undefined);
  }
}

/**
 * Why a rebuild asked for on behalf of one embedder (see `embedderRebuildJob`) is not needed: the
 * embedder changed and the index is readable by the new one already (a rebuild has swapped in
 * since it was asked for), or this worker's embedder is another one, whose rebuild would leave the
 * asking process where it was and make it ask again, one full rebuild after another. (An index
 * that did not exist is built whatever it holds now: the first save or search makes it, empty.)
 */
async function needlessRebuild(
  search: SearchPort,
  data: unknown,
): Promise<{ reason: string; misconfigured: boolean } | undefined> {
  const { embedderId: wanted, reason } = (data ?? {}) as { embedderId?: unknown; reason?: unknown };
  if (typeof wanted !== "string") return undefined;
  const status = await search.index.status();
  if (wanted !== status.embedderId) {
    // Recorded on the index, so the process that asked reports the mismatch instead of waiting.
    await search.index.refuseEmbedder(wanted).catch(() => undefined);
    return {
      reason: `asked for with embedder ${wanted} while this worker embeds with ${status.embedderId}: configure both alike (OPENAI_API_KEY)`,
      misconfigured: true,
    };
  }
  if (reason === "embedder-changed" && status.active && status.compatible)
    return { reason: "the index is already built by this embedder", misconfigured: false };
  return undefined;
}

/** `search-index` queue: `index-listings` after every write, `rebuild-index` nightly and on demand. */
registerProcessor(async (opts) => {
  const search = opts.runtime.search;
  if (!search) {
    opts.log.warn({}, "search is not configured; the search-index worker is off");
    return [];
  }
  const locks = lockOptions(opts);
  // Takes waiting jobs by hand (it never runs a processor of its own) to batch them.
  const drainer = new Worker(QUEUES.searchIndex, null, {
    connection: opts.runtime.bullRedis,
    prefix: opts.config.QUEUE_PREFIX,
    autorun: false,
    ...locks,
  });
  const worker: Worker = new Worker(
    QUEUES.searchIndex,
    async (job, jobToken) => {
      if (job.name === "rebuild-index") {
        try {
          const skipped = await needlessRebuild(search, job.data);
          if (skipped) {
            opts.log[skipped.misconfigured ? "warn" : "info"](
              { jobId: job.id, reason: skipped.reason },
              "search rebuild skipped",
            );
            return { skipped: skipped.reason };
          }
          if (!(await claimRebuild(opts, String(job.id)))) {
            // Another replica is rebuilding: run after it, without spending an attempt.
            await job.moveToDelayed(Date.now() + REBUILD_WAIT_MS, jobToken);
            throw new DelayedError();
          }
          return await rebuild(opts, search, String(job.id), (p) => job.updateProgress(p));
        } catch (err) {
          if (isUnavailable(err)) {
            await worker.rateLimit(UNAVAILABLE_PAUSE_MS);
            throw Worker.RateLimitError();
          }
          throw err;
        }
      }
      const first = IndexListingsPayload.parse(job.data);
      const wait = job.timestamp + BATCH_WINDOW_MS - Date.now();
      if (wait > 0 && first.upsert.length + first.remove.length < BATCH_IDS)
        await new Promise((r) => setTimeout(r, wait));
      const token = `batch-${randomUUID()}`;
      const extra = await drainWaiting(drainer, token, first);
      // The batch's own jobs keep their locks while it runs, like the job the worker runs.
      const renew = extra.length
        ? setInterval(() => {
            for (const e of extra)
              e.job.extendLock(token, locks.lockDuration).catch(() => undefined);
          }, locks.lockDuration / 2)
        : undefined;
      try {
        const result = await indexListings(opts, search, [first, ...extra.map((e) => e.data)]);
        for (const e of extra)
          await e.job
            .moveToCompleted({ ...result, batchedWith: job.id }, token, false)
            .catch((err) => opts.log.warn({ jobId: e.job.id, err: err.message }, "batch job"));
        return result;
      } catch (err) {
        // Chroma or the embedder unreachable: every index job would fail alike and spend its
        // retries within seconds, leaving saves unsearchable until the nightly rebuild. Pause the
        // queue and keep the jobs instead (no attempt spent); they run again once both answer.
        const unavailable = isUnavailable(err);
        for (const e of extra)
          await (unavailable
            ? e.job.moveToWait(token)
            : e.job.moveToFailed(err as Error, token)
          ).catch(() => undefined);
        if (unavailable) {
          await worker.rateLimit(UNAVAILABLE_PAUSE_MS);
          throw Worker.RateLimitError();
        }
        throw err;
      } finally {
        clearInterval(renew);
      }
    },
    {
      connection: opts.runtime.bullRedis,
      prefix: opts.config.QUEUE_PREFIX,
      concurrency: 1,
      ...locks,
    },
  );
  worker.on("failed", (job, err) =>
    opts.log.warn(
      { jobId: job?.id, queue: QUEUES.searchIndex, name: job?.name, err: err.message },
      "search job failed",
    ),
  );
  // A new deployment (or one that switched embedder) has listings the index never saw: build it now.
  // Deduplicated with the one a search asks for, and with other processes starting meanwhile.
  const status = await search.index.status().catch(() => null);
  if (status && (!status.active || !status.compatible)) {
    const job = embedderRebuildJob(
      status.embedderId,
      status.active ? "embedder-changed" : "no-index",
    );
    await opts.runtime.queues.searchIndex.add(job.name, job.data, job.opts);
  }
  await opts.runtime.queues.searchIndex.upsertJobScheduler(
    "nightly-rebuild",
    { pattern: opts.config.SEARCH_REBUILD_CRON ?? "0 3 * * *" },
    { name: "rebuild-index", data: {} },
  );
  // Closed after the worker, whose last batch may still be completing the drainer's jobs.
  worker.on("closed", () => void drainer.close().catch(() => undefined));
  return [worker];
});
