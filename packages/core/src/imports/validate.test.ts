import type { CanonicalListing } from "@mbe/formats";
import { describe, expect, it } from "vitest";
import { CreateListingInput, UpdateListingInput } from "../listings/schema";
import { listingInput, quickCreate, quickUpdate } from "./validate";

/** Values each field takes in the comparison: ordinary ones and every edge the schema draws. */
const VALUES: Record<string, unknown[]> = {
  title: [
    "Lamp",
    "  Lamp  ",
    "",
    "   ",
    "x".repeat(500),
    ` ${"x".repeat(500)} `,
    "x".repeat(501),
    "Lamp\u0000",
    "Lamp \ud83d",
    "Lamp \ud83d\udca1",
    5,
    null,
  ],
  price: [
    "12.50",
    " 12.5 ",
    "0",
    "-1",
    "-0",
    "9999999999.99",
    9_999_999_999.99,
    9_999_999_999.994,
    9_999_999_999.995,
    "10000000000",
    "1.234",
    "1e3",
    "",
    12.5,
    10.999,
    "1200",
    -3,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
  ],
  currency: [undefined, "USD", "JPY", "usd", "EURO", " USD", null],
  condition: [undefined, null, "New", "  Used  ", "", "x".repeat(100), "x".repeat(101), 3],
  description: [
    undefined,
    "",
    "text\r\nmore",
    "a\u0000b",
    "cut \udca1 here",
    "x".repeat(20_000),
    "x".repeat(20_001),
    null,
  ],
  category: [undefined, null, "Home//Lamps", " a ", "x".repeat(501), "\u0000"],
  offerShipping: [undefined, true, false, "yes", null],
  sku: [undefined, null, "SKU-1", " SKU-2 ", "", "  ", "x".repeat(100), "x".repeat(101), "S\u0000"],
  quantity: [undefined, 0, 1, 1_000_000, 1_000_001, -1, 1.5, Number.NaN, "3"],
  imageUrls: [
    undefined,
    [],
    ["https://img.example.com/a.jpg"],
    ["HTTP://IMG.EXAMPLE.COM/A.JPG", "http://x.test/p?q=1#h"],
    ["ftp://x.test/a"],
    ["https:/x.test"],
    ["http:x.test"],
    [" https://x.test/a "],
    ["https://x.test/a\tb"],
    ["https://x.test/a\u0000b"],
    ["https://exa mple.com"],
    ["not a url"],
    [`https://x.test/${"a".repeat(2040)}`],
    Array.from({ length: 25 }, (_, i) => `https://x.test/${i}`),
    [5],
    "https://x.test/a",
  ],
  marketplaceFields: [
    undefined,
    {},
    { ebay: { ConditionID: 1000 } },
    { ["k".repeat(101)]: 1 },
    { big: "x".repeat(33_000) },
    { note: "a\u0000b" },
    { ["k\u0000"]: 1 },
    { nested: [{ x: "\u0000" }] },
    { nested: [{ x: "half \ud83d" }] },
    // 32 levels with the object itself, and one too many.
    { deep: JSON.parse(`${"[".repeat(31)}1${"]".repeat(31)}`) },
    { deep: JSON.parse(`${"[".repeat(32)}1${"]".repeat(32)}`) },
    [],
    JSON.parse('{"__proto__": {"x": 1}}'),
    null,
  ],
  status: [undefined, "draft", "active", "archived", "Active", "deleted"],
};

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

function listings(n: number, seed: number, bias: number): CanonicalListing[] {
  const r = rng(seed);
  const out: CanonicalListing[] = [];
  for (let i = 0; i < n; i++) {
    const l: Record<string, unknown> = {};
    for (const [k, vals] of Object.entries(VALUES)) {
      // Mostly the first ordinary values, so rows that pass are common too.
      const v =
        r() < bias
          ? vals[Math.min(vals.length - 1, k === "title" || k === "price" ? 0 : 1)]
          : vals[Math.floor(r() * vals.length)];
      if (v !== undefined) l[k] = v;
    }
    if (r() < 0.2) delete l.title;
    if (r() < 0.2) delete l.price;
    if (r() < 0.1) l.id = "00000000-0000-4000-8000-000000000001";
    out.push(l as unknown as CanonicalListing);
  }
  return out;
}

describe("import row checks", () => {
  it("accept a row only when the create schema does, with the same output", () => {
    let quick = 0;
    let rejected = 0;
    for (const bias of [0.9, 0.5, 0]) {
      for (const l of listings(4000, 7 + bias * 100, bias)) {
        const fast = quickCreate(l);
        const zod = CreateListingInput.safeParse(listingInput(l));
        if (fast !== undefined) {
          quick++;
          expect(zod.success, JSON.stringify(l).slice(0, 300)).toBe(true);
          expect(fast).toEqual(zod.data);
        }
        if (!zod.success) rejected++;
      }
    }
    // Both sides of the comparison were exercised.
    expect(quick).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(500);
  });

  it("accept a row only when the update schema does, with the same output", () => {
    let quick = 0;
    for (const l of listings(6000, 11, 0.8)) {
      const fast = quickUpdate(l);
      const zod = UpdateListingInput.safeParse(listingInput(l));
      if (fast !== undefined) {
        quick++;
        expect(zod.success, JSON.stringify(l).slice(0, 300)).toBe(true);
        expect(fast).toEqual(zod.data);
      }
    }
    expect(quick).toBeGreaterThan(500);
  });

  it("give the schema's defaults for a minimal row and leave unknown keys to the schema", () => {
    expect(quickCreate({ title: " Lamp ", price: "5" })).toEqual(
      CreateListingInput.parse({ title: " Lamp ", price: "5" }),
    );
    expect(
      quickCreate({ title: "Lamp", price: "5", extra: 1 } as unknown as CanonicalListing),
    ).toBe(undefined);
  });
});
