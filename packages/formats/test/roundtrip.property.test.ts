import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CanonicalListing,
  type ExportFormat,
  type ExportListing,
  exportListings,
  FACEBOOK_CATEGORIES,
  FACEBOOK_CONDITIONS,
  importListings,
  type Marketplace,
} from "../src/index";
import { expectedGeneric, genericListing, price, type Target, text, title } from "./arbitraries";
import { bytesOf, collect } from "./helpers";

async function roundTrip(listings: ExportListing[], layout: Marketplace, format: ExportFormat) {
  const r = await exportListings(listings, { layout, format });
  const s = await importListings({ bytes: await bytesOf(r) });
  expect(s.marketplace).toBe(layout);
  return collect(s.listings);
}

const RUNS = { numRuns: 30 };

function dropNulls(l: CanonicalListing): Record<string, unknown> {
  return Object.fromEntries(Object.entries(l).filter(([, v]) => v !== null && v !== undefined));
}

describe("export → import round trips", () => {
  for (const [format, target] of [
    ["csv", "csv"],
    ["json", "json"],
    ["xlsx", "xlsx"],
  ] as Array<[ExportFormat, Target]>) {
    it(`generic ${format} gives back every field`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(genericListing(target), { minLength: 1, maxLength: 8 }),
          async (listings) => {
            const back = await roundTrip(listings, "generic", format);
            expect(back.map((b) => b.problems.filter((p) => p.severity === "error"))).toEqual(
              listings.map(() => []),
            );
            const got = back.map((b) => b.listing as CanonicalListing);
            const want = listings.map(expectedGeneric);
            if (format === "xlsx") {
              // Prices travel as numbers in xlsx so the sheet can sum them: compare by value.
              expect(got.map((g) => Number(g.price))).toEqual(want.map((w) => Number(w.price)));
              for (const g of got) g.price = "";
              for (const w of want) w.price = "";
            }
            if (format === "json") {
              // JSON has no columns: a key no record carried is simply absent instead of null.
              expect(got.map(dropNulls)).toEqual(listings.map(dropNulls));
            } else expect(got).toEqual(want);
          },
        ),
        RUNS,
      );
    });
  }

  it("facebook layout keeps title, whole-dollar price, condition, description, category, shipping", async () => {
    const noAmp = (t: fc.Arbitrary<string>) => t.map((s) => s.replaceAll("&", "and"));
    const fb = fc.record(
      {
        title: noAmp(title("xlsx"))
          .map((s) => s.slice(0, 150).trim())
          .filter((s) => s !== ""),
        price: fc.nat({ max: 1_000_000 }).map(String),
        condition: fc.constantFrom(...FACEBOOK_CONDITIONS),
        description: noAmp(text("xlsx", 10)),
        category: fc.constantFrom(...FACEBOOK_CATEGORIES),
        offerShipping: fc.boolean(),
      },
      { requiredKeys: ["title", "price", "condition", "description"] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fb, { minLength: 1, maxLength: 50 }), async (listings) => {
        const back = await roundTrip(listings, "facebook", "xlsx");
        expect(back.every((b) => b.ok)).toBe(true);
        expect(back.map((b) => b.listing)).toEqual(
          listings.map((l) => ({ currency: "USD", category: null, ...l })),
        );
      }),
      { numRuns: 15 },
    );
  });

  it("ebay layout keeps the File Exchange fields", async () => {
    const eb = fc.record({
      title: title("csv")
        .map((s) => s.slice(0, 80).trim())
        .filter((s) => s !== ""),
      price: price.filter((p) => Number(p) > 0),
      description: text("csv", 8),
      sku: title("csv"),
      quantity: fc.integer({ min: 1, max: 1000 }),
      imageUrls: fc.array(
        fc.webSegment().map((s) => `https://i.test/${s}.jpg`),
        { maxLength: 24 },
      ),
      conditionId: fc.constantFrom("1000", "1500", "1750", "2500", "2750", "3000", "7000"),
      category: fc.integer({ min: 1, max: 999_999 }).map(String),
      format: fc.constantFrom("FixedPrice", "Auction"),
      specifics: fc.dictionary(fc.constantFrom("Brand", "Colour", "Size", "MPN"), title("csv"), {
        maxKeys: 3,
      }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(eb, { minLength: 1, maxLength: 10 }), async (rows) => {
        const listings: ExportListing[] = rows.map((r) => ({
          title: r.title,
          price: r.price,
          description: r.description,
          sku: r.sku,
          quantity: r.quantity,
          imageUrls: r.imageUrls,
          marketplaceFields: {
            ebayCategoryId: r.category,
            conditionId: r.conditionId,
            format: r.format,
            itemSpecifics: r.specifics,
          },
        }));
        const back = await roundTrip(listings, "ebay", "csv");
        expect(back.every((b) => b.ok)).toBe(true);
        back.forEach((b, i) => {
          const r = rows[i];
          if (!r) throw new Error("row count differs");
          expect(b.listing).toMatchObject({
            title: r.title,
            price: r.price,
            description: r.description,
            sku: r.sku,
            quantity: r.quantity,
            imageUrls: r.imageUrls,
            currency: "USD",
          });
          const mf = b.listing?.marketplaceFields ?? {};
          expect(mf.ebayCategoryId).toBe(r.category);
          expect(mf.conditionId).toBe(r.conditionId);
          expect(mf.format).toBe(r.format);
          expect(mf.duration).toBe(r.format === "Auction" ? "Days_7" : "GTC");
          expect(mf.itemSpecifics ?? {}).toEqual(r.specifics);
        });
      }),
      RUNS,
    );
  });

  it("shopify layout keeps products, variants and images", async () => {
    const variant = fc.record({
      option1Value: title("csv"),
      sku: title("csv"),
      price,
      inventoryQty: fc.nat({ max: 500 }).map(String),
    });
    const product = fc.record({
      title: title("csv"),
      description: text("csv", 8),
      vendor: title("csv"),
      variants: fc.uniqueArray(variant, {
        minLength: 1,
        maxLength: 5,
        selector: (v) => v.option1Value,
      }),
      images: fc.uniqueArray(
        fc.webSegment().map((s) => `https://cdn.test/${s}.png`),
        { maxLength: 4 },
      ),
      status: fc.constantFrom("active", "draft", "archived"),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(product, { minLength: 1, maxLength: 6 }), async (products) => {
        const listings: ExportListing[] = products.map((p, i) => ({
          title: p.title,
          price: p.variants[0]?.price ?? "",
          description: p.description,
          sku: p.variants[0]?.sku ?? null,
          imageUrls: p.images,
          status: p.status as CanonicalListing["status"],
          marketplaceFields: {
            shopifyHandle: `product-${i}`,
            vendor: p.vendor,
            options: [{ name: "Size", values: p.variants.map((v) => v.option1Value) }],
            variants: p.variants,
          },
        }));
        const back = await roundTrip(listings, "shopify", "csv");
        expect(back).toHaveLength(products.length);
        back.forEach((b, i) => {
          const p = products[i];
          if (!p) throw new Error("product count differs");
          expect(b.ok).toBe(true);
          expect(b.rows).toHaveLength(Math.max(p.variants.length, p.images.length));
          expect(b.listing).toMatchObject({
            title: p.title,
            description: p.description,
            price: p.variants[0]?.price,
            sku: p.variants[0]?.sku,
            imageUrls: p.images,
            status: p.status,
            quantity: p.variants.reduce((n, v) => n + Number(v.inventoryQty), 0),
          });
          const mf = b.listing?.marketplaceFields as Record<string, unknown>;
          expect(mf.shopifyHandle).toBe(`product-${i}`);
          expect(mf.vendor).toBe(p.vendor);
          expect(mf.variants).toEqual(p.variants);
        });
      }),
      RUNS,
    );
  });
});
