import { randomUUID } from "node:crypto";
import { createDb, type DbHandle, listings, users } from "@mbe/db";
import { createTestDatabase } from "@mbe/db/testing";
import { LocalEmbedder, SearchIndex, toSearchDocument } from "@mbe/search";
import { memoryActiveStore, startTestChroma } from "@mbe/search/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreContext } from "../context";
import { searchListings } from "./search";

let database: { url: string; drop(): Promise<void> };
let handle: DbHandle;
let chroma: { url: string; stop(): Promise<void> };
let index: SearchIndex;

const sellerA = randomUUID();
const sellerB = randomUUID();

function ctxFor(userId: string): CoreContext {
  // Only what searchListings reads: the database, the caller and the search port.
  return {
    db: handle.db,
    rootDb: handle.db,
    actor: { userId, role: "seller", via: "jwt", scopes: ["read", "write"] },
    requestId: "test",
    search: { index, embedder: { provider: "local", model: "test", dimensions: 256 } },
  } as unknown as CoreContext;
}

beforeAll(async () => {
  [database, chroma] = await Promise.all([createTestDatabase(), startTestChroma()]);
  handle = createDb({ url: database.url, max: 2 });
  index = new SearchIndex({
    chromaUrl: chroma.url,
    embedder: new LocalEmbedder(),
    store: memoryActiveStore(),
  });
  await handle.db.insert(users).values(
    [sellerA, sellerB].map((id) => ({
      id,
      email: `${id}@example.com`,
      passwordHash: "x",
    })),
  );
  // Many bikes and a handful of cheap guitars: a filter for cheap instruments matches so few
  // listings that the search scores exactly those.
  const rowsA = [
    ...Array.from({ length: 400 }, (_, i) => ({
      title: `Trek mountain bike ${i}`,
      category: "Bicycles",
      price: String(200 + i),
    })),
    { title: "Yamaha acoustic guitar", category: "Instruments", price: "90" },
    { title: "Fender electric guitar", category: "Instruments", price: "80" },
    { title: "Digital piano keyboard", category: "Instruments", price: "70" },
    { title: "Gibson Les Paul guitar", category: "Instruments", price: "900" },
  ].map((r) => ({ ...r, id: randomUUID(), ownerId: sellerA, status: "active" as const }));
  const rowsB = [
    { title: "Cheap acoustic guitar", category: "Instruments", price: "20" },
    { title: "Beginner guitar bundle", category: "Instruments", price: "30" },
  ].map((r) => ({ ...r, id: randomUUID(), ownerId: sellerB, status: "active" as const }));
  await handle.db.insert(listings).values([...rowsA, ...rowsB]);
  await index.upsert(sellerA, rowsA.map(toSearchDocument));
  await index.upsert(sellerB, rowsB.map(toSearchDocument));
});

afterAll(async () => {
  await handle?.close();
  await database?.drop();
  await chroma?.stop();
});

describe("searchListings with a selective filter", () => {
  it("ranks the few matching listings by meaning, only the caller's", async () => {
    const r = await searchListings(ctxFor(sellerA), {
      q: "guitar",
      category: "Instruments",
      priceMax: 100,
    });
    const titles = r.items.map((i) => i.listing.title);
    expect(titles.slice(0, 2).sort()).toEqual(["Fender electric guitar", "Yamaha acoustic guitar"]);
    expect(titles).not.toContain("Gibson Les Paul guitar");
    expect(titles.some((t) => t.includes("bike") || t.includes("Cheap"))).toBe(false);
    for (const item of r.items) expect(item.semanticScore).toBeGreaterThan(0);
  });

  it("finds nothing when nothing matches, and broad filters still search the index", async () => {
    const none = await searchListings(ctxFor(sellerA), { q: "guitar", priceMax: 10 });
    expect(none.items).toEqual([]);
    const broad = await searchListings(ctxFor(sellerA), {
      q: "mountain bike",
      status: ["active"],
      limit: 5,
    });
    expect(broad.items).toHaveLength(5);
    for (const item of broad.items) expect(item.listing.title).toContain("bike");
  });

  it("never returns another seller's listings through the exact path", async () => {
    const r = await searchListings(ctxFor(sellerB), {
      q: "guitar",
      category: "Instruments",
      priceMax: 100,
    });
    expect(r.items.map((i) => i.listing.title).sort()).toEqual([
      "Beginner guitar bundle",
      "Cheap acoustic guitar",
    ]);
  });

  it("drops hits whose fields no longer match, even where the index still says they do", async () => {
    // More matching listings than the exact path takes (1,000), even with one cleared, so the
    // filter is the index's.
    const seller = randomUUID();
    await handle.db
      .insert(users)
      .values({ id: seller, email: `${seller}@example.com`, passwordHash: "x" });
    const rows = Array.from({ length: 1010 }, (_, i) => ({
      id: randomUUID(),
      ownerId: seller,
      title: i === 0 ? "Makita cordless drill" : `Garden shovel ${i}`,
      category: "Tools",
      status: "active" as const,
      price: "25",
    }));
    await handle.db.insert(listings).values(rows);
    await index.upsert(seller, rows.map(toSearchDocument));
    const drill = rows[0]?.id as string;
    const search = () =>
      searchListings(ctxFor(seller), { q: "cordless drill", category: "Tools", limit: 5 });
    expect((await search()).items[0]?.listing.id).toBe(drill);
    // Cleared in the database; the index has not caught up (and would keep the old category).
    await handle.db.update(listings).set({ category: null }).where(eq(listings.id, drill));
    const after = (await search()).items.map((i) => i.listing.id);
    expect(after).not.toContain(drill);
    // The next candidates take its place: the page is still full.
    expect(after).toHaveLength(5);
  });
});
