import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEmbedder, SearchIndex } from "../src";
import { memoryActiveStore, startTestChroma } from "./testing";

let chroma: { url: string; stop(): Promise<void> };

beforeAll(async () => {
  chroma = await startTestChroma();
});
afterAll(async () => {
  await chroma?.stop();
});

describe("an index switched to another embedder", () => {
  it("is readable as soon as another process has rebuilt it, cached generation or not", async () => {
    const store = memoryActiveStore();
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const seller = randomUUID();
    const before = new SearchIndex({
      chromaUrl: chroma.url,
      embedder: new LocalEmbedder(),
      store,
      prefix,
    });
    await before.upsert(seller, [{ id: "a", text: "road bike" }]);
    // A process configured with the new embedder, and the worker that rebuilds for it.
    const embedder = new LocalEmbedder({ dimensions: 128 });
    const reader = new SearchIndex({
      chromaUrl: chroma.url,
      embedder,
      store,
      prefix,
      activeCacheMs: 60_000,
    });
    const worker = new SearchIndex({ chromaUrl: chroma.url, embedder, store, prefix });
    expect(reader.embedderId).toBe("local-v1-128");
    await expect(reader.query(seller, "bike")).rejects.toMatchObject({
      code: "SEARCH_REBUILD_REQUIRED",
    });
    const rb = await worker.beginRebuild();
    await rb.upsert(seller, [{ id: "a", text: "road bike" }]);
    await rb.commit();
    // The reader still caches the old generation's name: it must look again before it answers
    // that a rebuild is required (and asks for one more).
    expect((await reader.query(seller, "bicycle")).map((h) => h.id)).toEqual(["a"]);
  });
});
