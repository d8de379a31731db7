import { randomUUID } from "node:crypto";
import {
  type CoreContext,
  CoreError,
  createListing,
  createSearchPort,
  type SearchPort,
  searchListings,
} from "@mbe/core";
import { listings } from "@mbe/db";
import { toSearchDocument } from "@mbe/search";
import {
  memoryActiveStore,
  type OpenAIStub,
  startOpenAIStub,
  startTestChroma,
} from "@mbe/search/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime, until } from "../../test/runtime";
import { startWorkers, type WorkerOptions } from "../index";

const rt = testRuntime("se");
const { db, queues, opts } = rt;
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
let stub: OpenAIStub;
/** The active generation's name, shared by every "process" of the test like the Redis key. */
const store = memoryActiveStore();
/** A process configured without an OpenAI key, and one configured with it. */
let local: SearchPort;
let openai: SearchPort;
let running: Array<(timeoutMs?: number) => Promise<void>> = [];

const withSearch = (search: SearchPort): WorkerOptions => ({
  ...opts,
  runtime: { ...opts.runtime, search },
});
/** No job waiting, running or waiting for a retry (the nightly rebuild is delayed all along). */
const idle = async () =>
  (await queues.searchIndex.getWaitingCount()) + (await queues.searchIndex.getActiveCount()) ===
    0 &&
  (await queues.searchIndex.getDelayed()).every((j) => j.id?.startsWith("repeat:nightly-rebuild"));
/** Rebuild jobs that ran to the end, and those that found they were not needed. */
async function rebuilds() {
  const done = (await queues.searchIndex.getCompleted()).filter((j) => j.name === "rebuild-index");
  return {
    built: done.filter((j) => j.returnvalue?.generation).length,
    skipped: done.filter((j) => j.returnvalue?.skipped).length,
  };
}
async function stopWorkers() {
  for (const stop of running) await stop(5000);
  running = [];
}
const beingRebuilt = (e: unknown) =>
  e instanceof CoreError &&
  e.code === "SEARCH_UNAVAILABLE" &&
  /being rebuilt/.test(e.message) &&
  e.status === 503;

let seller: { id: string; ctx: CoreContext };
let title: string;
const searchAs = (search: SearchPort) =>
  searchListings({ ...seller.ctx, search }, { q: "walnut rocking chair" });

beforeAll(async () => {
  await db.migrate();
  [chroma, stub] = await Promise.all([startTestChroma(), startOpenAIStub()]);
  const common = { chromaUrl: chroma.url, activeStore: store, prefix: opts.config.QUEUE_PREFIX };
  local = createSearchPort(common);
  openai = createSearchPort({ ...common, openaiApiKey: "sk-test", openaiBaseUrl: stub.url });
  // The index as a deployment without an OpenAI key built it.
  seller = await rt.seller("Embedder");
  title = `Walnut rocking chair ${randomUUID()}`;
  const listing = await createListing(seller.ctx, { title, price: 90 });
  const [row] = await db.db.select().from(listings).where(eq(listings.id, listing.id));
  if (!row) throw new Error("listing not found");
  const rb = await local.index.beginRebuild();
  await rb.upsert(seller.id, [toSearchDocument(row)]);
  await rb.commit();
}, 60_000);

afterAll(async () => {
  await stopWorkers();
  await queues.searchIndex.obliterate({ force: true }).catch(() => {});
  await stub?.stop();
  await chroma?.stop();
  await rt.close();
});

describe("a deployment whose embedder changed", () => {
  it("rebuilds the index once by itself, answering searches meanwhile that it is being rebuilt", async () => {
    expect((await openai.index.status()).compatible).toBe(false);
    // A search meets the old index before any worker has started: it says so and asks for the
    // rebuild, never ranking by vectors of the other embedder.
    await expect(searchAs(openai)).rejects.toSatisfy(beingRebuilt);
    await expect(searchAs(openai)).rejects.toSatisfy(beingRebuilt);
    // Two worker processes start together with the new configuration.
    running = await Promise.all([
      startWorkers(withSearch(openai)),
      startWorkers(withSearch(openai)),
    ]);
    await until(async () => (await openai.index.status()).compatible && (await idle()), 60_000);
    expect(await rebuilds()).toEqual({ built: 1, skipped: 0 });
    expect(await queues.searchIndex.getFailedCount()).toBe(0);
    const found = await searchAs(openai);
    expect(found.items.map((i) => i.listing.title)).toContain(title);
  }, 90_000);

  it("rebuilds again when a later start finds the index built by another embedder", async () => {
    await stopWorkers();
    // The key is taken away and a rebuild without it runs (by hand, or a worker of that config).
    const rb = await local.index.beginRebuild({ force: true });
    const [row] = await db.db.select().from(listings).where(eq(listings.ownerId, seller.id));
    if (!row) throw new Error("listing not found");
    await rb.upsert(seller.id, [toSearchDocument(row)]);
    await rb.commit();
    expect((await openai.index.status()).compatible).toBe(false);
    // The key is configured again: this start must schedule its rebuild, though the one of the
    // first start is kept, completed, in the queue.
    running = [await startWorkers(withSearch(openai))];
    await until(async () => (await openai.index.status()).compatible && (await idle()), 60_000);
    expect((await rebuilds()).built).toBe(2);
    expect((await searchAs(openai)).items.map((i) => i.listing.title)).toContain(title);
  }, 90_000);

  it("does not rebuild for a process whose embedder differs from the worker's, which then says so", async () => {
    const before = (await openai.index.status()).active;
    const warnings: Array<Record<string, unknown>> = [];
    const log = { ...seller.ctx.log, warn: (obj: Record<string, unknown>) => warnings.push(obj) };
    const searchWithoutKey = () =>
      searchListings({ ...seller.ctx, search: local, log }, { q: "walnut rocking chair" });
    // A process still configured without the key meets the index the workers built with it.
    await expect(searchWithoutKey()).rejects.toSatisfy(beingRebuilt);
    await until(async () => (await rebuilds()).skipped === 1 && (await idle()), 30_000);
    // The workers' index stays: rebuilding it for that process would only flip it back and forth.
    expect((await openai.index.status()).active).toBe(before);
    expect((await rebuilds()).built).toBe(2);
    expect((await searchAs(openai)).items.map((i) => i.listing.title)).toContain(title);
    // The worker refused: that process now answers that the two are configured differently,
    // naming both embedders, instead of promising a rebuild that is never coming.
    for (let i = 0; i < 3; i++) {
      const err = await searchWithoutKey().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CoreError);
      const e = err as CoreError;
      expect(e.code).toBe("SEARCH_EMBEDDER_MISMATCH");
      expect(e.status).toBe(503);
      expect(e.retryAfterSeconds).toBeUndefined();
      expect(e.message).toContain(openai.index.embedderId);
      expect(e.message).toContain(local.index.embedderId);
      expect(e.message).toMatch(/API and the worker must be configured alike/);
    }
    // Said in the log once, not on every search; and no further rebuild was asked for.
    expect(warnings.filter((w) => w.indexEmbedder === openai.index.embedderId)).toHaveLength(1);
    expect(await idle()).toBe(true);
    expect(await rebuilds()).toEqual({ built: 2, skipped: 1 });
  }, 60_000);

  it("answers that the index is being rebuilt again once a worker rebuilds it for that embedder", async () => {
    // The workers are configured without the key as well now: their rebuild is underway.
    await stopWorkers();
    const rb = await local.index.beginRebuild();
    await expect(searchAs(local)).rejects.toSatisfy(beingRebuilt);
    const [row] = await db.db.select().from(listings).where(eq(listings.ownerId, seller.id));
    if (!row) throw new Error("listing not found");
    await rb.upsert(seller.id, [toSearchDocument(row)]);
    await rb.commit();
    expect((await searchAs(local)).items.map((i) => i.listing.title)).toContain(title);
  }, 60_000);
});
