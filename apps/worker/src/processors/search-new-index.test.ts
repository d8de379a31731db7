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
