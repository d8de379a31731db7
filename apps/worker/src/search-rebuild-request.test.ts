import { CoreError, searchCall } from "@mbe/core";
import { SearchError } from "@mbe/search";
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

describe("a search that needs the index rebuilt", () => {
  it("asks for the rebuild again when the one kept under its id has failed", async () => {
    const { ctx } = await seller("Rebuild");
    const search = () =>
      searchCall(ctx, async () => {
        throw new SearchError("SEARCH_REBUILD_REQUIRED", "the index was built by another embedder");
      });
    await expect(search()).rejects.toSatisfy(unavailable);
    const first = await queues.searchIndex.getJob("rebuild-required");
    expect(await first?.getState()).toBe("waiting");
    // The rebuild fails for good (every attempt) and BullMQ keeps it, failed, under its id.
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
    expect(await (await queues.searchIndex.getJob("rebuild-required"))?.getState()).toBe("waiting");
  }, 60_000);
});
