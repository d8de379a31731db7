import { randomUUID } from "node:crypto";
import { ChromaClient } from "chromadb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSearchError, LocalEmbedder, listingText, SearchIndex, toSearchDocument } from "../src";
import { memoryActiveStore, startTestChroma } from "./testing";

let chroma: { url: string; stop(): Promise<void> };
const embedder = new LocalEmbedder();

beforeAll(async () => {
  chroma = await startTestChroma();
});
afterAll(async () => {
  await chroma?.stop();
});

function newIndex(store = memoryActiveStore(), prefix = `t${randomUUID().slice(0, 8)}`) {
  return { index: new SearchIndex({ chromaUrl: chroma.url, embedder, store, prefix }), store };
}

const sellerA = randomUUID();
const sellerB = randomUUID();

const catalogA = [
  {
    id: randomUUID(),
    title: "Renogy 12V 100Ah deep cycle AGM battery",
    category: "Solar",
    status: "active",
    price: 180,
  },
  {
    id: randomUUID(),
    title: "Grey three seat fabric sofa",
    category: "Furniture",
    status: "active",
    price: 200,
  },
  {
    id: randomUUID(),
    title: "Brown leather couch",
    category: "Furniture",
    status: "draft",
    price: 120,
  },
  {
    id: randomUUID(),
    title: "Sony PlayStation 5 console",
    category: "Video Games",
    status: "active",
    price: 420,
  },
  {
    id: randomUUID(),
    title: "Trek mountain bike 29er",
    category: "Bicycles",
    status: "archived",
    price: 650,
  },
];
const catalogB = [
  {
    id: randomUUID(),
    title: "Battle Born LiFePO4 12V deep cycle battery",
    category: "Solar",
    status: "active",
    price: 650,
  },
  {
    id: randomUUID(),
    title: "Velvet loveseat sofa couch",
    category: "Furniture",
    status: "active",
    price: 150,
  },
];

describe("SearchIndex", () => {
  let index: SearchIndex;

  beforeAll(async () => {
    index = newIndex().index;
    await index.upsert(sellerA, catalogA.map(toSearchDocument));
    await index.upsert(sellerB, catalogB.map(toSearchDocument));
  });

  it("finds listings by meaning, ranked by score", async () => {
    const hits = await index.query(sellerA, "couch", { k: 3 });
    expect(
      hits
        .slice(0, 2)
        .map((h) => h.id)
        .sort(),
    ).toEqual([catalogA[1]?.id, catalogA[2]?.id].sort());
    expect(hits[0]?.score).toBeGreaterThanOrEqual(hits[1]?.score ?? 0);
    const battery = await index.query(sellerA, "12 volt deep-cycle batteries", { k: 1 });
    expect(battery[0]?.id).toBe(catalogA[0]?.id);
  });

  it("never returns another seller's listings", async () => {
    const idsB = new Set<string>(catalogB.map((l) => l.id));
    for (const q of ["lifepo4 battery", "loveseat sofa couch", "velvet", "Battle Born"]) {
      const hits = await index.query(sellerA, q, { k: 100 });
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) expect(idsB.has(h.id)).toBe(false);
    }
    const hitsB = await index.query(sellerB, "battery", { k: 100 });
    expect(new Set(hitsB.map((h) => h.id))).toEqual(idsB);
  });

  it("rejects crafted filters instead of passing them to Chroma", async () => {
    const crafted = [
      { ownerId: sellerB },
      { category: { $ne: "x" } },
      { status: { $in: ["active"] } },
      { $or: [{ ownerId: sellerB }] },
      { priceMin: "0" },
    ];
    for (const filters of crafted) {
      const err = await index
        .query(sellerA, "battery", { filters: filters as never })
        .catch((e: unknown) => e);
      expect(isSearchError(err, "SEARCH_INVALID_INPUT")).toBe(true);
    }
    // An owner id cannot smuggle anything either: it must look like an id.
    for (const owner of ["", `${sellerA}_x`, "../etc", sellerA.repeat(3)]) {
      const err = await index.query(owner, "battery").catch((e: unknown) => e);
      expect(isSearchError(err, "SEARCH_INVALID_INPUT")).toBe(true);
    }
  });

  it("keeps a seller's writes inside their own index", async () => {
    const target = catalogB[0]?.id ?? "";
    // Seller A removing or overwriting B's id must not touch B's listing.
    await index.remove(sellerA, [target]);
    await index.upsert(sellerA, [{ id: target, text: "hijacked title", status: "active" }]);
    const b = await index.query(sellerB, "lifepo4 deep cycle battery", { k: 1 });
    expect(b[0]?.id).toBe(target);
    expect(await index.count(sellerB)).toBe(2);
    // A's copy is A's own document and disappears with A's remove.
    await index.remove(sellerA, [target]);
    expect(await index.count(sellerA)).toBe(catalogA.length);
  });

  it("applies status, category and price filters", async () => {
    const active = await index.query(sellerA, "sofa couch", {
      k: 10,
      filters: { status: "active" },
    });
    expect(active.map((h) => h.id)).toContain(catalogA[1]?.id);
    expect(active.map((h) => h.id)).not.toContain(catalogA[2]?.id);
    const drafts = await index.query(sellerA, "sofa couch", {
      k: 10,
      filters: { status: ["draft", "archived"] },
    });
    expect(drafts.map((h) => h.id).sort()).toEqual([catalogA[2]?.id, catalogA[4]?.id].sort());
    const furniture = await index.query(sellerA, "anything", {
      k: 10,
      filters: { category: "Furniture" },
    });
    expect(furniture.map((h) => h.id).sort()).toEqual([catalogA[1]?.id, catalogA[2]?.id].sort());
    const band = await index.query(sellerA, "battery", {
      k: 10,
      filters: { priceMin: 150, priceMax: 450 },
    });
    expect(band.map((h) => h.id).sort()).toEqual(
      [catalogA[0]?.id, catalogA[1]?.id, catalogA[3]?.id].sort(),
    );
  });

  it("falls back to Chroma's filtered query when the filter is selective", async () => {
    const seller = randomUUID();
    // More than the widest over-fetch (300), so only Chroma's filtered query can find them.
    const bulk = Array.from({ length: 400 }, (_, i) => ({
      id: `bike-${i}`,
      text: `mountain bike number ${i}`,
      category: "Bicycles",
      status: "active",
    }));
    const rare = ["guitar-1", "guitar-2", "guitar-3"].map((id) => ({
      id,
      text: `acoustic guitar ${id}`,
      category: "Instruments",
      status: "active",
    }));
    await index.upsert(seller, [...bulk, ...rare]);
    const hits = await index.query(seller, "mountain bike", {
      k: 5,
      filters: { category: "Instruments" },
    });
    expect(hits.map((h) => h.id).sort()).toEqual(["guitar-1", "guitar-2", "guitar-3"]);
  });

  it("scores given candidates exactly, only this seller's and only those", async () => {
    const all = catalogA.map((l) => l.id);
    const hnsw = await index.query(sellerA, "couch", { k: 5 });
    const exact = await index.query(sellerA, "couch", { k: 5, candidates: all });
    expect(exact.map((h) => h.id)).toEqual(hnsw.map((h) => h.id));
    for (const [i, h] of exact.entries()) expect(h.score).toBeCloseTo(hnsw[i]?.score ?? -1, 4);

    const some = [catalogA[0]?.id ?? "", catalogA[3]?.id ?? ""];
    const hits = await index.query(sellerA, "couch", { k: 5, candidates: some });
    expect(hits.map((h) => h.id).sort()).toEqual([...some].sort());
    const filtered = await index.query(sellerA, "couch", {
      k: 5,
      candidates: all,
      filters: { status: "draft" },
    });
    expect(filtered.map((h) => h.id)).toEqual([catalogA[2]?.id]);

    // Another seller's ids (or unknown ones) as candidates find nothing.
    const foreign = [...catalogB.map((l) => l.id), "no-such-id"];
    expect(await index.query(sellerA, "battery", { k: 5, candidates: foreign })).toEqual([]);
    expect(await index.query(sellerA, "battery", { k: 5, candidates: [] })).toEqual([]);
    // A listing saved but not indexed yet is skipped, not an error.
    const mixed = await index.query(sellerA, "battery", {
      k: 5,
      candidates: [catalogA[0]?.id ?? "", randomUUID()],
    });
    expect(mixed.map((h) => h.id)).toEqual([catalogA[0]?.id]);
    const similar = await index.similar(sellerA, catalogA[1]?.id ?? "", {
      k: 3,
      candidates: all,
    });
    expect(similar[0]?.id).toBe(catalogA[2]?.id);
    expect(similar.map((h) => h.id)).not.toContain(catalogA[1]?.id);
  });

  it("stores every record with its owner's id, one collection per owner", async () => {
    const url = new URL(chroma.url);
    const raw = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
    const cols = (await raw.listCollections({ limit: 1000 })).filter((c) =>
      c.name.startsWith(`${index.prefix}_`),
    );
    const owners = cols.map((c) => c.name.split("_")[3]).filter(Boolean);
    expect(owners).toContain(sellerA);
    expect(owners).toContain(sellerB);
    for (const c of cols) {
      const owner = c.name.split("_")[3];
      if (!owner) continue;
      const got = await c.get({ include: ["metadatas"] });
      for (const m of got.metadatas) expect(m?.ownerId).toBe(owner);
    }
  });

  it("upserts replace text and metadata, removes delete", async () => {
    const seller = randomUUID();
    const id = randomUUID();
    await index.upsert(seller, [{ id, text: "mountain bike", status: "draft", price: 100 }]);
    expect((await index.query(seller, "bicycle", { k: 1 }))[0]?.id).toBe(id);
    await index.upsert(seller, [
      { id, text: "espresso machine", status: "active", price: "99.50" },
    ]);
    expect(await index.count(seller)).toBe(1);
    const coffee = await index.query(seller, "coffee espresso", {
      k: 1,
      filters: { status: "active", priceMax: 99.5 },
    });
    expect(coffee[0]?.id).toBe(id);
    expect(await index.query(seller, "x", { filters: { status: "draft" } })).toEqual([]);
    await index.remove(seller, [id]);
    expect(await index.count(seller)).toBe(0);
    expect(await index.query(seller, "espresso")).toEqual([]);
  });

  it("a save that keeps the text updates metadata without embedding again", async () => {
    const counting = new LocalEmbedder();
    const texts: string[] = [];
    const embed = counting.embed.bind(counting);
    counting.embed = async (batch: string[]) => {
      texts.push(...batch);
      return embed(batch);
    };
    const own = new SearchIndex({
      chromaUrl: chroma.url,
      embedder: counting,
      store: memoryActiveStore(),
      prefix: `t${randomUUID().slice(0, 8)}`,
    });
    const seller = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    await own.upsert(seller, [
      { id: a, text: "cast iron skillet", status: "active", price: 30, category: "Kitchen" },
      { id: b, text: "garden hose reel", status: "active", price: 45 },
    ]);
    expect(texts).toEqual(["cast iron skillet", "garden hose reel"]);
    const url = new URL(chroma.url);
    const raw = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
    const col = (await raw.listCollections({ limit: 1000 })).find(
      (c) => c.name.startsWith(`${own.prefix}_`) && c.name.endsWith(seller),
    );
    if (!col) throw new Error("no collection for the seller");
    const before = await col.get({ ids: [a], include: ["embeddings", "metadatas"] });

    // Price and status change, same text: no embedding, metadata updated, vector untouched.
    texts.length = 0;
    await own.upsert(seller, [
      { id: a, text: "cast iron skillet", status: "sold", price: 12, category: "Kitchen" },
    ]);
    expect(texts).toEqual([]);
    const after = await col.get({ ids: [a], include: ["embeddings", "metadatas"] });
    expect(after.metadatas[0]).toMatchObject({ status: "sold", price: 12, category: "Kitchen" });
    expect(after.metadatas[0]?.textHash).toBe(before.metadatas[0]?.textHash);
    expect(Array.from(after.embeddings[0] ?? [])).toEqual(Array.from(before.embeddings[0] ?? []));
    const sold = await own.query(seller, "skillet", { k: 1, filters: { status: "sold" } });
    expect(sold[0]?.id).toBe(a);
    const pricey = await own.query(seller, "skillet", { filters: { priceMin: 20 } });
    expect(pricey.map((h) => h.id)).toEqual([b]);

    // The same save again writes nothing new; a new text is embedded, alone.
    texts.length = 0;
    await own.upsert(seller, [
      { id: a, text: "cast iron skillet", status: "sold", price: 12, category: "Kitchen" },
      { id: b, text: "brass garden hose reel", status: "active", price: 45 },
    ]);
    expect(texts).toEqual(["brass garden hose reel"]);
    const moved = await col.get({ ids: [b], include: ["metadatas"] });
    expect(moved.metadatas[0]?.textHash).not.toBe(before.metadatas[0]?.textHash);
    expect((await own.query(seller, "brass hose", { k: 1 }))[0]?.id).toBe(b);
  });

  it("similar() finds the closest listings of the same seller, excluding itself", async () => {
    const hits = await index.similar(sellerA, catalogA[1]?.id ?? "", { k: 2 });
    expect(hits.map((h) => h.id)).not.toContain(catalogA[1]?.id);
    expect(hits[0]?.id).toBe(catalogA[2]?.id);
    const err = await index.similar(sellerA, catalogB[1]?.id ?? "").catch((e: unknown) => e);
    expect(isSearchError(err, "SEARCH_NOT_FOUND")).toBe(true);
  });

  it("groups near-duplicate listings", async () => {
    const seller = randomUUID();
    const base = { category: "Cell Phones", condition: "Used - Good" };
    const a = { id: "dup-a", title: "Apple iPhone 13 128GB Midnight unlocked", ...base };
    const b = { id: "dup-b", title: "Apple iPhone 13 128GB midnight - unlocked", ...base };
    const c = { id: "dup-c", title: "Apple iPhone 13 128 GB Midnight, unlocked!", ...base };
    const d = { id: "other", title: "Weber propane grill with cover", category: "Patio" };
    const e = { id: "other-2", title: "Samsung Galaxy S22 128GB black", ...base };
    await index.upsert(seller, [a, b, c, d, e].map(toSearchDocument));
    const groups = await index.duplicates(seller, { threshold: 0.95 });
    expect(groups).toEqual([["dup-a", "dup-b", "dup-c"]]);
    expect(listingText(a)).not.toBe(listingText(b));
  });

  it("removeOwner() deletes one seller's index and nothing else", async () => {
    const leaving = randomUUID();
    await index.upsert(leaving, [{ id: "x", text: "snowboard" }]);
    expect(await index.count(leaving)).toBe(1);
    await index.removeOwner(leaving);
    expect(await index.count(leaving)).toBe(0);
    expect(await index.query(leaving, "snowboard")).toEqual([]);
    // Removing ids of a seller whose collection is gone is a no-op, not an error.
    await index.remove(leaving, ["x"]);
    expect(await index.count(sellerA)).toBe(catalogA.length);
  });

  it("counts per seller and returns nothing for an unknown seller", async () => {
    expect(await index.count(sellerA)).toBe(catalogA.length);
    const stranger = randomUUID();
    expect(await index.count(stranger)).toBe(0);
    expect(await index.query(stranger, "battery")).toEqual([]);
  });
});

describe("rebuild", () => {
  it("builds a new generation aside and swaps it in atomically", async () => {
    const { index, store } = newIndex();
    const seller = randomUUID();
    const old = { id: randomUUID(), text: "old sofa", status: "active" };
    await index.upsert(seller, [old]);
    const first = store.value;
    expect(first).toMatch(/_local-v1-256_1$/);

    const rebuild = await index.beginRebuild();
    expect(rebuild.generation).toMatch(/_local-v1-256_2$/);
    const fresh = { id: randomUUID(), text: "new gaming console", status: "active" };
    await rebuild.upsert(seller, [fresh]);
    // Until the commit, readers still see the old generation.
    expect((await index.query(seller, "sofa", { k: 5 })).map((h) => h.id)).toEqual([old.id]);
    expect(await index.status()).toMatchObject({
      active: first,
      building: rebuild.generation,
      compatible: true,
    });

    // A live edit during the rebuild goes to both generations.
    const edited = { id: randomUUID(), text: "cordless drill", status: "active" };
    await index.upsert(seller, [edited]);
    await expect(index.beginRebuild()).rejects.toMatchObject({ code: "SEARCH_REBUILD_CONFLICT" });

    await rebuild.commit();
    expect(store.value).toBe(rebuild.generation);
    const ids = (await index.query(seller, "anything", { k: 10 })).map((h) => h.id).sort();
    expect(ids).toEqual([fresh.id, edited.id].sort());
    // The old generation is gone from Chroma.
    const status = await index.status();
    expect(status).toMatchObject({ active: rebuild.generation, building: null });
    const again = await index.beginRebuild();
    await again.abort();
    expect(store.value).toBe(rebuild.generation);
  });

  it("a second process reading through the same store follows the swap", async () => {
    const store = memoryActiveStore();
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const writer = new SearchIndex({ chromaUrl: chroma.url, embedder, store, prefix });
    const reader = new SearchIndex({
      chromaUrl: chroma.url,
      embedder,
      store,
      prefix,
      activeCacheMs: 60_000,
    });
    const seller = randomUUID();
    await writer.upsert(seller, [{ id: "a", text: "kayak paddle" }]);
    expect((await reader.query(seller, "kayak")).map((h) => h.id)).toEqual(["a"]);
    const rb = await writer.beginRebuild();
    await rb.upsert(seller, [{ id: "b", text: "kayak with paddle" }]);
    await rb.commit();
    // The reader's cached generation was dropped: it must notice and re-read the store.
    expect((await reader.query(seller, "kayak")).map((h) => h.id)).toEqual(["b"]);
  });

  it("keeps using the index Chroma holds when the store lost the active name", async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const seller = randomUUID();
    const before = new SearchIndex({
      chromaUrl: chroma.url,
      embedder,
      store: memoryActiveStore(),
      prefix,
    });
    await before.upsert(seller, [{ id: "a", text: "kayak paddle" }]);
    const rb = await before.beginRebuild();
    await rb.upsert(seller, [
      { id: "a", text: "kayak paddle" },
      { id: "b", text: "canoe" },
    ]);
    await rb.commit();
    // Redis came back empty (restart without persistence, key evicted); Chroma kept its data.
    const store = memoryActiveStore();
    const after = new SearchIndex({ chromaUrl: chroma.url, embedder, store, prefix });
    expect((await after.query(seller, "kayak paddle")).map((h) => h.id)[0]).toBe("a");
    expect(store.value).toBe(rb.generation);
    expect(await after.count(seller)).toBe(2);
    // A rebuild started first (the worker's, at startup) follows that generation and commits.
    const worker = new SearchIndex({
      chromaUrl: chroma.url,
      embedder,
      store: memoryActiveStore(),
      prefix,
    });
    const next = await worker.beginRebuild();
    expect(next.generation).toMatch(/_3$/);
    await next.upsert(seller, [{ id: "c", text: "kayak" }]);
    await next.commit();
    expect((await worker.query(seller, "kayak")).map((h) => h.id)).toEqual(["c"]);
  });

  it("never mixes vectors of different embedders", async () => {
    const store = memoryActiveStore();
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const seller = randomUUID();
    const small = new SearchIndex({ chromaUrl: chroma.url, embedder, store, prefix });
    await small.upsert(seller, [{ id: "a", text: "road bike" }]);
    const bigEmbedder = new LocalEmbedder({ dimensions: 128 });
    const big = new SearchIndex({ chromaUrl: chroma.url, embedder: bigEmbedder, store, prefix });
    await expect(big.query(seller, "bike")).rejects.toMatchObject({
      code: "SEARCH_REBUILD_REQUIRED",
    });
    await expect(big.upsert(seller, [{ id: "b", text: "bike" }])).rejects.toMatchObject({
      code: "SEARCH_REBUILD_REQUIRED",
    });
    expect(await big.status()).toMatchObject({ compatible: false });
    const rb = await big.beginRebuild();
    expect(rb.generation).toContain("local-v1-128");
    await rb.upsert(seller, [{ id: "a", text: "road bike" }]);
    await rb.commit();
    expect((await big.query(seller, "bicycle")).map((h) => h.id)).toEqual(["a"]);
    await expect(small.query(seller, "bike")).rejects.toMatchObject({
      code: "SEARCH_REBUILD_REQUIRED",
    });
  });
});
