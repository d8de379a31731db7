import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, sampleListing, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

type L = { id: string; title: string; price: number; version: number };
type Page = { items: L[]; nextCursor: string | null; total?: number };
type Upsert = {
  changeSetId: string | null;
  updated: number;
  results: {
    status: string;
    id?: string;
    error?: { code: string };
    warnings?: { field: string; code: string }[];
  }[];
};

async function seller(prices: number[], over: (i: number) => Record<string, unknown> = () => ({})) {
  const s = await signUp(api);
  const bulk = await call<Upsert>(api, "POST", "/v1/listings/bulk", {
    token: s.accessToken,
    body: { rows: prices.map((price, i) => sampleListing({ price, ...over(i) })) },
  });
  expect(bulk.status).toBe(200);
  const ids = bulk.body.results.map((r) => r.id as string);
  expect(ids.every(Boolean)).toBe(true);
  return { t: s.accessToken, ids };
}

const list = (t: string, query: string) =>
  call<Page>(api, "GET", `/v1/listings?${query}`, { token: t });

describe("listing edge cases", () => {
  it("pages by title through listings whose titles have the full 500 characters", async () => {
    // Two-byte characters make each title 1,000 bytes in the cursor, before JSON and base64.
    const { t, ids } = await seller([1, 2, 3, 4, 5], (i) => ({
      title: `${"é".repeat(499)}${i}`,
    }));
    for (const dir of ["asc", "desc"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let n = 0; n < 10; n++) {
        const page: Awaited<ReturnType<typeof list>> = await list(
          t,
          `sort=title:${dir}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((r) => r.id));
        cursor = page.body.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toHaveLength(5);
      expect(new Set(seen)).toEqual(new Set(ids));
      const expected = dir === "asc" ? ids : [...ids].reverse();
      expect(seen).toEqual(expected);
    }
  });

  it("pages by title when every character of a 500-character title is escaped in the cursor", async () => {
    // A control character takes six bytes in the cursor's JSON: the longest a cursor gets.
    const { t, ids } = await seller([1, 2, 3], (i) => ({ title: `${"\u0001".repeat(499)}${i}` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 5; n++) {
      const page: Awaited<ReturnType<typeof list>> = await list(
        t,
        `sort=title:asc&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r) => r.id));
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen).toHaveLength(3);
  });

  it("filters by a price range with more decimals than cents without rounding the bounds", async () => {
    const { t, ids } = await seller([10.49, 10.5, 10.51]);
    const [low, mid, high] = ids;
    const idsOf = async (query: string) => {
      const r = await list(t, `${query}&includeTotal=true&sort=price:asc`);
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(r.body.items.length);
      return r.body.items.map((i) => i.id);
    };
    expect(await idsOf("priceMax=10.499")).toEqual([low]);
    expect(await idsOf("priceMin=10.501")).toEqual([high]);
    expect(await idsOf("priceMin=10.495&priceMax=10.505")).toEqual([mid]);
    expect(await idsOf("priceMin=10.5&priceMax=10.5")).toEqual([mid]);
  });

  it("treats an empty price bound as no bound, like the other filters", async () => {
    const { t, ids } = await seller([5, 50]);
    for (const query of ["priceMax=", "priceMin=", "priceMin=&priceMax=&category=&q="]) {
      const r = await list(t, query);
      expect(r.status).toBe(200);
      expect(new Set(r.body.items.map((i) => i.id))).toEqual(new Set(ids));
    }
    expect((await list(t, "priceMax=abc")).status).toBe(400);
  });

  it("judges a bulk update's marketplace warnings by the listing it leaves, not the fields sent", async () => {
    const { t, ids } = await seller([10], () => ({
      sku: "FB-1",
      condition: "New",
      category: null,
    }));
    const r = await call<Upsert>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: {
        marketplace: "facebook",
        rows: [{ sku: "FB-1", price: 12.5 }],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.results[0]).toMatchObject({ status: "updated", id: ids[0] });
    // The listing keeps its title and its valid condition; only the new price breaks a rule.
    expect(r.body.results[0]?.warnings?.map((w) => `${w.field}:${w.code}`)).toEqual([
      "price:WHOLE_DOLLARS",
    ]);
    // The same judgement as reading the listing for that marketplace.
    const got = await call<{ warnings: { field: string; code: string }[] }>(
      api,
      "GET",
      `/v1/listings/${ids[0]}?marketplace=facebook`,
      { token: t },
    );
    expect(got.body.warnings.map((w) => `${w.field}:${w.code}`)).toEqual(["price:WHOLE_DOLLARS"]);
    // An unchanged row is judged as the listing too.
    const same = await call<Upsert>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: { marketplace: "ebay", rows: [{ sku: "FB-1", quantity: 3 }] },
    });
    expect(same.body.results[0]?.status).toBe("unchanged");
    expect(same.body.results[0]?.warnings?.map((w) => w.field)).not.toContain("title");
  });

  it("takes listing ids written in upper case in bulk upsert, template apply and bulk delete", async () => {
    const { t, ids } = await seller([10, 20]);
    const [a, b] = ids as [string, string];
    const up = await call<Upsert>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: { rows: [{ id: a.toUpperCase(), price: 11 }] },
    });
    expect(up.body.results[0]).toMatchObject({ status: "updated", id: a });

    const tpl = await call<{ id: string }>(api, "POST", "/v1/templates", {
      token: t,
      body: { name: "Clearance", fields: { price: 5 } },
    });
    const applied = await call<Upsert>(api, "POST", `/v1/templates/${tpl.body.id}/apply`, {
      token: t,
      body: { listingIds: [b.toUpperCase()] },
    });
    expect(applied.status).toBe(200);
    expect(applied.body.results[0]).toMatchObject({ status: "updated", id: b });

    const del = await call<{ deleted: number; errors: unknown[] }>(
      api,
      "POST",
      "/v1/listings/bulk-delete",
      { token: t, body: { ids: [a.toUpperCase(), b] } },
    );
    expect(del.status).toBe(200);
    expect(del.body.deleted).toBe(2);
    expect(del.body.errors).toEqual([]);
  });

  it("reports text cut in the middle of an emoji as a row error and still applies the other rows", async () => {
    const s = await signUp(api);
    const t = s.accessToken;
    const cut = "Desk lamp 😀".slice(0, 11); // ends with half of the emoji
    const bulk = await call<Upsert>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: {
        rows: [
          sampleListing({ title: cut }),
          sampleListing({ title: "Whole 😀" }),
          sampleListing({ marketplaceFields: { note: cut } }),
          sampleListing({ marketplaceFields: { [cut]: 1 } }),
        ],
      },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r) => r.status)).toEqual(["error", "created", "error", "error"]);
    for (const i of [0, 2, 3])
      expect(bulk.body.results[i]?.error?.code, `row ${i}`).toBe("VALIDATION_FAILED");
    const kept = await call<L>(api, "GET", `/v1/listings/${bulk.body.results[1]?.id}`, {
      token: t,
    });
    expect(kept.body.title).toBe("Whole 😀");
    // One listing at a time the same text is refused with the field named, not stored altered.
    const one = await call<{ error: { code: string; details: unknown } }>(
      api,
      "POST",
      "/v1/listings",
      {
        token: t,
        body: sampleListing({ title: cut }),
      },
    );
    expect(one.status).toBe(400);
    expect(JSON.stringify(one.body.error.details)).toContain("title");
    const patch = await call<{ error: { code: string; details: unknown } }>(
      api,
      "PATCH",
      `/v1/listings/${kept.body.id}`,
      { token: t, body: { title: cut } },
    );
    expect(patch.status).toBe(400);
    expect(JSON.stringify(patch.body.error.details)).toContain("title");
  });

  it("names the earlier row when a bulk upsert repeats a SKU that the request itself creates", async () => {
    const s = await signUp(api);
    const r = await call<Upsert>(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      body: {
        rows: [
          sampleListing({ sku: "NEW-9" }),
          { sku: "NEW-9", price: 5 },
          sampleListing({ sku: "NEW-9", title: "Again" }),
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x) => x.status)).toEqual(["created", "error", "error"]);
    for (const i of [1, 2]) {
      const error = r.body.results[i]?.error as { code: string; message: string };
      expect(error.code, `row ${i}`).toBe("CONFLICT");
      expect(error.message, `row ${i}`).toContain("Row 0 of this request");
    }
  });
});
