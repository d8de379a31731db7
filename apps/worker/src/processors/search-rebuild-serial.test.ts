import { randomUUID } from "node:crypto";
import { createListing, createSearchPort, type SearchPort } from "@mbe/core";
import {
  memoryActiveStore,
  type OpenAIStub,
  startOpenAIStub,
  startTestChroma,
} from "@mbe/search/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime, until } from "../../test/runtime";
import { startWorkers } from "../index";

const rt = testRuntime("sr");
const { db, queues, opts } = rt;
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
let stub: OpenAIStub;
let search: SearchPort;
const replicas: Array<(timeoutMs?: number) => Promise<void>> = [];

/** No job waiting, running or waiting for a retry (the nightly rebuild is delayed all along). */
const idle = async () =>
  (await queues.searchIndex.getWaitingCount()) + (await queues.searchIndex.getActiveCount()) ===
    0 &&
  (await queues.searchIndex.getDelayed()).every((j) => j.id?.startsWith("repeat:nightly-rebuild"));

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

describe("rebuilds asked for together", () => {
  it("run one after the other over the worker replicas, each to its swap", async () => {
    const { id: ownerId, ctx } = await rt.seller("Serial");
    const title = `Cast iron skillet ${randomUUID()}`;
    await createListing(ctx, { title, price: 30 });
    // Embedding answers slowly, so a rebuild is still running when the other replica is free.
    stub.setDelay(700, (r) => r.path.endsWith("/embeddings"));
    try {
      // The nightly one and one an administrator asked for, say.
      const ids = [`serial-a-${randomUUID()}`, `serial-b-${randomUUID()}`];
      await Promise.all(ids.map((jobId) => queues.searchIndex.add("rebuild-index", {}, { jobId })));
      await until(idle, 60_000);
      const jobs = await Promise.all(ids.map((id) => queues.searchIndex.getJob(id)));
      for (const job of jobs) {
        expect(await job?.getState()).toBe("completed");
        // Neither failed an attempt at its swap, or had its generation dropped by the other.
        expect(job?.stacktrace ?? []).toEqual([]);
      }
      const generations = jobs.map((j) => j?.returnvalue?.generation);
      expect(new Set(generations).size).toBe(2);
      expect((await search.index.status()).active).toBe(
        generations.sort((a, b) => Number(a.split("_").at(-1)) - Number(b.split("_").at(-1)))[1],
      );
    } finally {
      stub.setDelay(0);
    }
    const hits = await search.index.query(ownerId, title, { k: 5 });
    expect(hits[0]?.score).toBeGreaterThan(0.999);
  }, 90_000);
});
