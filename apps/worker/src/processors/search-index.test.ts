import { randomUUID } from "node:crypto";
import {
  createListing,
  createSearchPort,
  deleteListing,
  type SearchPort,
  searchIndexHooks,
  updateListing,
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
import { startWorkers } from "../index";

const rt = testRuntime("si");
const { db, queues, opts } = rt;
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
let stub: OpenAIStub;
let search: SearchPort;
const replicas: Array<(timeoutMs?: number) => Promise<void>> = [];

const idle = async () =>
  (await queues.searchIndex.getWaitingCount()) + (await queues.searchIndex.getActiveCount()) === 0;

async function textOf(id: string) {
  const [row] = await db.db.select().from(listings).where(eq(listings.id, id));
  if (!row) throw new Error(`listing ${id} not found`);
  return toSearchDocument(row).text;
}

/** The listing's score for a query of exactly its indexed text (1 when its vector is that text's). */
async function scoreOf(ownerId: string, id: string, text: string) {
  const hits = await search.index.query(ownerId, text, { k: 10 });
  return hits.find((h) => h.id === id)?.score;
}

beforeAll(async () => {
  await db.migrate();
  [chroma, stub] = await Promise.all([startTestChroma(), startOpenAIStub()]);
  search = createSearchPort({
    chromaUrl: chroma.url,
    activeStore: memoryActiveStore(),
    prefix: opts.config.QUEUE_PREFIX,
    openaiApiKey: "sk-test",
    openaiBaseUrl: stub.url,
  });
  opts.runtime.search = search;
  opts.runtime.hooks = searchIndexHooks(queues, opts.log);
  // Two worker replicas: one can index saves while the other runs a rebuild.
  replicas.push(await startWorkers(opts), await startWorkers(opts));
  await until(async () => (await search.index.status()).active !== null && (await idle()));
}, 60_000);

afterAll(async () => {
  for (const stop of replicas) await stop(5000);
  await queues.searchIndex.obliterate({ force: true }).catch(() => {});
  await stub?.stop();
  await chroma?.stop();
  await rt.close();
});

describe("search index rebuild", () => {
  it("keeps edits and deletes made while the rebuild was reading the seller's listings", async () => {
    const { id: ownerId, ctx } = await rt.seller("Rebuild");
    const marker = randomUUID();
    const edited = await createListing(ctx, { title: `Brass floor lamp ${marker}`, price: 60 });
    const deleted = await createListing(ctx, { title: `Oak side table ${marker}`, price: 80 });
    const oldText = await textOf(edited.id);
    const deletedText = await textOf(deleted.id);
    await until(
      async () =>
        ((await scoreOf(ownerId, edited.id, oldText)) ?? 0) > 0.999 &&
        ((await scoreOf(ownerId, deleted.id, deletedText)) ?? 0) > 0.999,
    );
    await until(idle);
    const before = (await search.index.status()).active;

    // The rebuild's embedding of this seller's page (read before the edit) answers late.
    const sent = stub.requests.length;
    const ofThisSeller = (r: { path: string; body: unknown }) =>
      r.path.endsWith("/embeddings") && JSON.stringify(r.body).includes(marker);
    stub.setDelay(2500, ofThisSeller);
    try {
      await queues.searchIndex.add("rebuild-index", {}, { jobId: `test-rebuild-${marker}` });
      await until(async () => stub.requests.slice(sent).some(ofThisSeller));
      stub.setDelay(0);
      // Meanwhile the seller edits one listing and deletes the other; the other replica indexes that.
      await updateListing(ctx, edited.id, { title: `Walnut rocking chair ${randomUUID()}` });
      await deleteListing(ctx, deleted.id);
    } finally {
      stub.setDelay(0);
    }
    const newText = await textOf(edited.id);
    await until(async () => {
      const st = await search.index.status();
      return st.active !== before && st.building === null && (await idle());
    });
    const job = await queues.searchIndex.getJob(`test-rebuild-${marker}`);
    expect(await job?.getState()).toBe("completed");
    expect(await scoreOf(ownerId, edited.id, newText)).toBeGreaterThan(0.999);
    expect(await scoreOf(ownerId, deleted.id, deletedText)).toBeUndefined();
  }, 90_000);

  it("keeps a save's index job through an OpenAI rate limit longer than its retries", async () => {
    const { id: ownerId, ctx } = await rt.seller("RateLimit");
    await until(idle);
    // Every embedding request is refused for a while: 40 requests, more than the 5 attempts of
    // the job times the 5 requests of each embedding call.
    stub.failNext(40, 429, { retryAfterMs: 10 });
    const created = await createListing(ctx, {
      title: `Cast iron dutch oven ${randomUUID()}`,
      price: 45,
    });
    const text = await textOf(created.id);
    await until(async () => ((await scoreOf(ownerId, created.id, text)) ?? 0) > 0.999, 60_000);
    const failed = await queues.searchIndex.getFailed();
    expect(failed.filter((j) => j.name === "index-listings")).toEqual([]);
  }, 90_000);
});
