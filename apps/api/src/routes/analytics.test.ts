import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

interface Figures {
  inventoryValue: number;
  minPrice: number | null;
  maxPrice: number | null;
  avgPrice: number | null;
}
interface Overview {
  byCurrency: (Figures & { currency: string; listings: number })[];
  totals: {
    currency: string | null;
    avgPrice: number | null;
    listings: number;
    inventoryValue: number;
    minPrice: number | null;
    maxPrice: number | null;
  };
  byStatus: { status: string; count: number }[];
  byCategory: { category: string; count: number }[];
  validity: { marketplace: string; valid: number; invalid: number }[];
  priceHistogram: { from: number; to: number; count: number }[];
  changesOverTime: { day: string; changeSets: number; rows: number }[];
}

describe("GET /v1/analytics/overview", () => {
  it("counts only the caller's listings, by status, category, validity and price", async () => {
    const s = await signUp(api);
    const other = await signUp(api);
    await call(api, "POST", "/v1/listings/bulk", {
      token: other.accessToken,
      body: {
        rows: Array.from({ length: 5 }, (_, i) => ({
          title: `Other ${i}`,
          price: 1000,
          sku: `O${i}`,
        })),
      },
    });
    const rows = [
      {
        title: "A".repeat(90),
        price: 10,
        status: "active",
        condition: "New",
        quantity: 2,
        sku: "a",
      },
      {
        title: "Short",
        price: 20.5,
        status: "active",
        category: "Tools",
        condition: "Broken",
        sku: "b",
      },
      {
        title: "Third",
        price: 100,
        status: "draft",
        category: "9355",
        condition: "Used - Good",
        sku: "c",
      },
      {
        title: "Fourth",
        price: 5,
        status: "active",
        category: "Tools",
        condition: "New",
        sku: "d",
      },
    ];
    const bulk = await call(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      body: { rows },
    });
    expect(bulk.status).toBe(200);
    const r = await call<Overview>(api, "GET", "/v1/analytics/overview?days=7&buckets=5", {
      token: s.accessToken,
    });
    expect(r.status).toBe(200);
    const o = r.body;
    expect(o.totals.listings).toBe(4);
    expect(o.totals.inventoryValue).toBe(10 * 2 + 20.5 + 100 + 5);
    expect(o.totals.minPrice).toBe(5);
    expect(o.totals.maxPrice).toBe(100);
    expect(Object.fromEntries(o.byStatus.map((x) => [x.status, x.count]))).toEqual({
      active: 3,
      draft: 1,
    });
    expect(o.byCategory[0]).toEqual({ category: "Tools", count: 2 });
    const v = Object.fromEntries(o.validity.map((x) => [x.marketplace, x.invalid]));
    // Facebook: only the first row passes (whole dollars, a Facebook condition, no unknown category).
    expect(v.facebook).toBe(3);
    // eBay: only "Third" has a short title and a numeric category id.
    expect(v.ebay).toBe(3);
    expect(v.generic).toBe(0);
    expect(v.shopify).toBe(0);
    expect(o.priceHistogram).toHaveLength(5);
    expect(o.priceHistogram.reduce((a, b) => a + b.count, 0)).toBe(4);
    expect(o.priceHistogram[0]?.count).toBe(3);
    expect(o.priceHistogram[4]?.count).toBe(1);
    expect(o.changesOverTime).toHaveLength(7);
    expect(o.changesOverTime.at(-1)).toMatchObject({ changeSets: 1, rows: 4 });
  });

  it("agrees with the per-row marketplace warnings the listings API reports", async () => {
    const s = await signUp(api);
    const rows = [
      { title: "Fine", price: 10, condition: "New", sku: "1" },
      { title: "Cents", price: 10.5, condition: "Used - Good", category: "123", sku: "2" },
      { title: "x".repeat(151), price: 1, condition: "New", sku: "3" },
      {
        title: "Ebay ok",
        price: 3,
        category: "99",
        marketplaceFields: { conditionId: "1000", format: "Auction", duration: "Days_7" },
        sku: "4",
      },
      {
        title: "Ebay bad",
        price: 3,
        marketplaceFields: { ebayCategoryId: "12", conditionId: "42", duration: "forever" },
        sku: "5",
      },
      { title: "Handle", price: 0, marketplaceFields: { shopifyHandle: "bad handle!" }, sku: "6" },
      { title: "Zero qty", price: 2, quantity: 0, description: "d".repeat(5001), sku: "7" },
    ];
    expect(
      (await call(api, "POST", "/v1/listings/bulk", { token: s.accessToken, body: { rows } }))
        .status,
    ).toBe(200);
    const o = (await call<Overview>(api, "GET", "/v1/analytics/overview", { token: s.accessToken }))
      .body;
    for (const m of ["generic", "facebook", "ebay", "shopify"]) {
      const page = await call<{ items: { warnings?: unknown[] }[] }>(
        api,
        "GET",
        `/v1/listings?limit=100&marketplace=${m}`,
        { token: s.accessToken },
      );
      const flagged = page.body.items.filter((i) => (i.warnings?.length ?? 0) > 0).length;
      expect(o.validity.find((v) => v.marketplace === m)?.invalid, m).toBe(flagged);
    }
  });

  it("never adds prices up across currencies", async () => {
    const s = await signUp(api);
    const rows = [
      { title: "Lamp", price: 10, currency: "EUR", quantity: 3, sku: "e1" },
      { title: "Desk", price: 90, currency: "EUR", sku: "e2" },
      { title: "Chair", price: 20, currency: "EUR", status: "active", sku: "e3" },
      { title: "Kettle", price: 5000, currency: "JPY", quantity: 2, sku: "j1" },
      { title: "Radio", price: 15, currency: "USD", sku: "u1" },
    ];
    const bulk = await call(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      body: { rows },
    });
    expect(bulk.status).toBe(200);
    const o = (
      await call<Overview>(api, "GET", "/v1/analytics/overview?buckets=4", {
        token: s.accessToken,
      })
    ).body;
    expect(o.totals).toEqual({
      listings: 5,
      currency: "EUR",
      inventoryValue: 30 + 90 + 20,
      minPrice: 10,
      maxPrice: 90,
      avgPrice: 40,
    });
    expect(o.byCurrency).toEqual([
      {
        currency: "EUR",
        listings: 3,
        inventoryValue: 140,
        minPrice: 10,
        maxPrice: 90,
        avgPrice: 40,
      },
      {
        currency: "JPY",
        listings: 1,
        inventoryValue: 10000,
        minPrice: 5000,
        maxPrice: 5000,
        avgPrice: 5000,
      },
      {
        currency: "USD",
        listings: 1,
        inventoryValue: 15,
        minPrice: 15,
        maxPrice: 15,
        avgPrice: 15,
      },
    ]);
    // The histogram is the main currency's: three listings from 10 to 90, in bands of 20.
    expect(o.priceHistogram.reduce((a, b) => a + b.count, 0)).toBe(3);
    expect(o.priceHistogram[0]).toMatchObject({ from: 10, to: 30, count: 2 });
    expect(o.priceHistogram.at(-1)).toMatchObject({ to: 90, count: 1 });
    expect(o.byStatus.reduce((a, b) => a + b.count, 0)).toBe(5);
  });

  it("gives an empty catalog zeros, and refuses bad input and anonymous callers", async () => {
    const s = await signUp(api);
    const r = await call<Overview>(api, "GET", "/v1/analytics/overview", { token: s.accessToken });
    expect(r.status).toBe(200);
    expect(r.body.totals.listings).toBe(0);
    expect(r.body.priceHistogram).toEqual([]);
    expect(r.body.byCurrency).toEqual([]);
    expect(r.body.totals.currency).toBeNull();
    expect(
      (await call(api, "GET", "/v1/analytics/overview?days=9999", { token: s.accessToken })).status,
    ).toBe(400);
    expect((await call(api, "GET", "/v1/analytics/overview")).status).toBe(401);
  });
});
