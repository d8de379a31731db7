import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LocalEmbedder, SearchIndex, toSearchDocument } from "../src";
import { memoryActiveStore, startTestChroma } from "./testing";

interface FixtureListing {
  id: string;
  title: string;
  category: string;
  condition: string;
  price: number;
  status: string;
  description: string;
  sku?: string;
}
interface FixtureQuery {
  query: string;
  expected: string[];
}

const listings: FixtureListing[] = JSON.parse(
  readFileSync(new URL("./fixtures/listings.json", import.meta.url), "utf8"),
);
const queries: FixtureQuery[] = JSON.parse(
  readFileSync(new URL("./fixtures/queries.json", import.meta.url), "utf8"),
);

let chroma: { url: string; stop(): Promise<void> };
beforeAll(async () => {
  chroma = await startTestChroma();
});
afterAll(async () => {
  await chroma?.stop();
});

it("finds what sellers mean: recall@5 ≥ 0.8 on the fixture with the local embedder", async () => {
  expect(listings.length).toBeGreaterThanOrEqual(190);
  expect(queries.length).toBeGreaterThanOrEqual(30);
  const index = new SearchIndex({
    chromaUrl: chroma.url,
    embedder: new LocalEmbedder(),
    store: memoryActiveStore(),
  });
  const seller = randomUUID();
  await index.upsert(seller, listings.map(toSearchDocument));
  // A second seller with the same catalogue must not change anything for the first.
  await index.upsert(
    randomUUID(),
    listings.map((l) => toSearchDocument({ ...l, id: `other-${l.id}` })),
  );
  let total = 0;
  const misses: string[] = [];
  for (const q of queries) {
    const top = (await index.query(seller, q.query, { k: 5 })).map((h) => h.id);
    const found = top.filter((id) => q.expected.includes(id)).length;
    const recall = found / Math.min(5, q.expected.length);
    total += recall;
    if (recall < 1) misses.push(`${recall.toFixed(2)} "${q.query}" → ${top.join(", ")}`);
  }
  const mean = total / queries.length;
  // Printed so a regression shows which queries moved.
  console.log(`recall@5 = ${mean.toFixed(3)} over ${queries.length} queries\n${misses.join("\n")}`);
  expect(mean).toBeGreaterThanOrEqual(0.8);
});
