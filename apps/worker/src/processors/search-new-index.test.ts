import { randomUUID } from "node:crypto";
import { createListing, createSearchPort, embedderRebuildJob, type SearchPort } from "@mbe/core";
import { memoryActiveStore, startTestChroma } from "@mbe/search/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime, until } from "../../test/runtime";
import { startWorkers } from "../index";

const rt = testRuntime("sn");
const { db, queues, opts } = rt;
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
let search: SearchPort;
let stop: ((timeoutMs?: number) => Promise<void>) | undefined;

beforeAll(async () => {
  await db.migrate();
  chroma = await startTestChroma();
  search = createSearchPort({
    chromaUrl: chroma.url,
    activeStore: memoryActiveStore(),
    prefix: opts.config.QUEUE_PREFIX,
  });
  opts.runtime.search = search;
}, 60_000);

afterAll(async () => {
  await stop?.(5000);
  await queues.searchIndex.obliterate({ force: true }).catch(() => {});
  await chroma?.stop();
  await rt.close();
});

describe("a deployment whose index does not exist yet", () => {
  it("indexes the listings it already holds, though a search made the index (empty) first", async () => {
    const { id: ownerId, ctx } = await rt.seller("NewIndex");
    const title = `Copper watering can ${randomUUID()}`;
    await createListing(ctx, { title, price: 25 });
    // A worker that started found no index and asked for it to be built...
    const job = embedderRebuildJob(search.index.embedderId, "no-index");
    await queues.searchIndex.add(job.name, job.data, job.opts);
    // ...and before it ran, a search (or a save) made the index, empty.
    expect(await search.index.query(ownerId, title)).toEqual([]);
    expect(await search.index.status()).toMatchObject({ compatible: true });
    stop = await startWorkers(opts);
    const hits = await until(async () => {
      const found = await search.index.query(ownerId, title, { k: 5 });
      return found.length ? found : undefined;
    });
    expect(hits[0]?.score).toBeGreaterThan(0.999);
  }, 60_000);
});

/** No job waiting, running or waiting for a retry (the nightly rebuild is delayed all along). */
const idle = async () =>
  (await queues.searchIndex.getWaitingCount()) + (await queues.searchIndex.getActiveCount()) ===
    0 &&
  (await queues.searchIndex.getDelayed()).every((j) => j.id?.startsWith("repeat:nightly-rebuild"));
const built = async () =>
  (await queues.searchIndex.getCompleted()).filter((j) => j.returnvalue?.generation).length;

describe("a deployment whose Redis came back empty while Chroma kept the index", () => {
  it("adopts the index a rebuild completed instead of building it again", async () => {
    const { id: ownerId, ctx } = await rt.seller("KeptIndex");
    const title = `Brass ship lantern ${randomUUID()}`;
    await createListing(ctx, { title, price: 60 });
    // A full rebuild (the nightly one, say) completes with every listing in it.
    await queues.searchIndex.add("rebuild-index", {}, { jobId: `kept-${randomUUID()}` });
    await until(async () => (await idle()) && (await search.index.query(ownerId, title)).length);
    const kept = (await search.index.status()).active;
    const rebuildsBefore = await built();
    await stop?.(5000);
    stop = undefined;
    // Redis restarts empty: the active generation's name is gone (the queue's jobs with it).
    const emptied = createSearchPort({
      chromaUrl: chroma.url,
      activeStore: memoryActiveStore(),
      prefix: opts.config.QUEUE_PREFIX,
    });
    stop = await startWorkers({ ...opts, runtime: { ...opts.runtime, search: emptied } });
    await until(idle);
    expect(await built()).toBe(rebuildsBefore);
    expect((await emptied.index.status()).active).toBe(kept);
    const hits = await emptied.index.query(ownerId, title, { k: 5 });
    expect(hits[0]?.score).toBeGreaterThan(0.999);
  }, 60_000);
});
