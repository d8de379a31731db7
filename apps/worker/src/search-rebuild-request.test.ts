import { CoreError, createSearchPort, searchCall } from "@mbe/core";
import { SearchError } from "@mbe/search";
import { memoryActiveStore } from "@mbe/search/testing";
import { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime } from "../test/runtime";

const { db, bullRedis, prefix, queues, seller, close } = testRuntime("rb");

beforeAll(() => db.migrate());
afterAll(async () => {
  await queues.searchIndex.obliterate({ force: true }).catch(() => {});
  await close();
});

const unavailable = (e: unknown) => e instanceof CoreError && e.code === "SEARCH_UNAVAILABLE";
// Never reached: the searches below fail before they would call Chroma.
const port = createSearchPort({
  chromaUrl: "http://127.0.0.1:9",
  activeStore: memoryActiveStore(),
});
/** The rebuild job asked for on behalf of this embedder, while one is waiting or running. */
const pending = async () => {
  const id = await queues.searchIndex.getDeduplicationJobId(`rebuild-for-${port.index.embedderId}`);
  return id ? queues.searchIndex.getJob(id) : undefined;
};

describe("a search that needs the index rebuilt", () => {
  it("asks for the rebuild again when the one asked for before has failed", async () => {
    const { ctx: sellerCtx } = await seller("Rebuild");
    const ctx = { ...sellerCtx, search: port };
    const search = () =>
      searchCall(ctx, async () => {
        throw new SearchError("SEARCH_REBUILD_REQUIRED", "the index was built by another embedder");
      });
    await expect(search()).rejects.toSatisfy(unavailable);
    const first = await pending();
    expect(await first?.getState()).toBe("waiting");
    expect(first?.data).toEqual({ reason: "embedder-changed", embedderId: port.index.embedderId });
    // Further searches meanwhile do not ask for another one.
    await expect(search()).rejects.toSatisfy(unavailable);
    expect(await queues.searchIndex.getWaitingCount()).toBe(1);
    // The rebuild fails for good (every attempt) and BullMQ keeps it, failed.
    const failing = new Worker(
      queues.searchIndex.name,
      async () => {
        throw new Error("Chroma is down");
      },
      { connection: bullRedis, prefix },
    );
    try {
      const deadline = Date.now() + 30_000;
      while ((await first?.getState()) !== "failed") {
        if (Date.now() > deadline) throw new Error("the rebuild job did not fail");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await failing.close();
    }
    await expect(search()).rejects.toSatisfy(unavailable);
    const again = await pending();
    expect(again?.id).not.toBe(first?.id);
    expect(await again?.getState()).toBe("waiting");
  }, 60_000);
});
