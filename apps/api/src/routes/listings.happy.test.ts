import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, sampleListing, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

type L = {
  id: string;
  title: string;
  price: number;
  version: number;
  status: string;
  warnings?: { field: string; code: string }[];
};

describe("listings happy paths", () => {
  it("creates, reads, updates with version, and deletes", async () => {
    const s = await signUp(api);
    const created = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing(),
    });
    expect(created.status).toBe(201);
    expect(created.body.version).toBe(1);
    expect(created.body.price).toBe(329.99);
    const got = await call<L>(api, "GET", `/v1/listings/${created.body.id}`, {
      token: s.accessToken,
    });
    expect(got.body.title).toBe("12V 100Ah LiFePO4 Deep Cycle Battery");
    const upd = await call<L>(api, "PATCH", `/v1/listings/${created.body.id}`, {
      token: s.accessToken,
      body: { price: 299, version: 1 },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.version).toBe(2);
    expect(upd.body.price).toBe(299);
    expect(
      (await call(api, "DELETE", `/v1/listings/${created.body.id}`, { token: s.accessToken }))
        .status,
    ).toBe(200);
    expect(
      (await call(api, "GET", `/v1/listings/${created.body.id}`, { token: s.accessToken })).status,
    ).toBe(404);
  });

  it("pages with a cursor, sorts and filters", async () => {
    const s = await signUp(api);
    const rows = Array.from({ length: 25 }, (_, i) =>
      sampleListing({
        title: `Item ${String(i).padStart(2, "0")}`,
        price: i + 1,
        status: i % 2 ? "active" : "draft",
        category: i < 5 ? "Toys" : "Tools",
      }),
    );
    const bulk = await call<{ created: number }>(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      body: { rows },
    });
    expect(bulk.body.created).toBe(25);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs = new URLSearchParams({
        limit: "10",
        sort: "price:asc",
        ...(cursor ? { cursor } : {}),
      });
      const page: { status: number; body: { items: L[]; nextCursor: string | null } } = await call(
        api,
        "GET",
        `/v1/listings?${qs}`,
        { token: s.accessToken },
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i) => i.title));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(rows.map((r) => r.title));
    const filtered = await call<{ items: L[]; total: number }>(
      api,
      "GET",
      "/v1/listings?status=active&category=Tools&priceMin=10&priceMax=20&includeTotal=true",
      { token: s.accessToken },
    );
    expect(filtered.body.total).toBe(filtered.body.items.length);
    expect(
      filtered.body.items.every((i) => i.status === "active" && i.price >= 10 && i.price <= 20),
    ).toBe(true);
    expect(filtered.body.total).toBe(6); // odd i in 9..19
    const text = await call<{ items: L[] }>(api, "GET", "/v1/listings?q=item%2007", {
      token: s.accessToken,
    });
    expect(text.body.items.map((i) => i.title)).toEqual(["Item 07"]);

    // Totals for a text filter, alone (counted from the search table) and with other filters.
    const total = async (qs: string) =>
      (
        await call<{ total: number }>(api, "GET", `/v1/listings?includeTotal=true&${qs}`, {
          token: s.accessToken,
        })
      ).body.total;
    expect(await total("q=item%201")).toBe(10); // Item 10..19
    expect(await total("q=item%201&status=active")).toBe(5);
    expect(await total("q=item%201&category=")).toBe(10);
    const other = await signUp(api);
    await call(api, "POST", "/v1/listings/bulk", {
      token: other.accessToken,
      body: { rows: [sampleListing({ title: "Item 10 of someone else" })] },
    });
    expect(await total("q=item%201")).toBe(10);
    const item12 = (
      await call<{ items: L[] }>(api, "GET", "/v1/listings?q=item%2012", { token: s.accessToken })
    ).body.items[0];
    expect(item12?.title).toBe("Item 12");
    await call(api, "DELETE", `/v1/listings/${item12?.id}`, { token: s.accessToken });
    expect(await total("q=item%201")).toBe(9);
  });

  it("returns marketplace warnings for the chosen marketplace", async () => {
    const s = await signUp(api);
    const created = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ title: "x".repeat(120), condition: "Used", price: 10.5 }),
    });
    const fb = await call<L>(api, "GET", `/v1/listings/${created.body.id}?marketplace=facebook`, {
      token: s.accessToken,
    });
    const codes = fb.body.warnings?.map((w) => `${w.field}:${w.code}`) ?? [];
    expect(codes).toEqual(
      expect.arrayContaining(["condition:INVALID_CONDITION", "price:WHOLE_DOLLARS"]),
    );
    expect(codes.some((c) => c.startsWith("title:"))).toBe(false); // 120 chars is within Facebook's 150
    const ebay = await call<L>(api, "GET", `/v1/listings/${created.body.id}?marketplace=ebay`, {
      token: s.accessToken,
    });
    expect(ebay.body.warnings?.map((w) => w.field)).toContain("title");
  });

  it("pages through rows that share a timestamp (one bulk write) without skipping or repeating any", async () => {
    const s = await signUp(api);
    const made = await call<{ created: number }>(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      body: { rows: Array.from({ length: 30 }, () => sampleListing()) },
    });
    expect(made.body.created).toBe(30);
    for (const sort of ["updatedAt:desc", "updatedAt:asc", "createdAt:asc", "createdAt:desc"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const r: { body: { items: { id: string }[]; nextCursor: string | null } } = await call(
          api,
          "GET",
          `/v1/listings?limit=7&sort=${sort}${cursor ? `&cursor=${cursor}` : ""}`,
          { token: s.accessToken },
        );
        seen.push(...r.body.items.map((x) => x.id));
        cursor = r.body.nextCursor;
        if (!cursor) break;
      }
      expect(seen, sort).toHaveLength(30);
      expect(new Set(seen).size, sort).toBe(30);
    }
  });

  it("bulk upsert applies valid rows and reports invalid ones per index", async () => {
    const s = await signUp(api);
    const existing = await call<L & { sku: string }>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ sku: "KEEP-1" }),
    });
    const r = await call<{
      created: number;
      updated: number;
      failed: number;
      changeSetId: string;
      results: { index: number; status: string; error?: { code: string } }[];
    }>(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      body: {
        rows: [
          sampleListing({ sku: "NEW-1" }),
          { sku: "KEEP-1", price: 1 },
          { title: "", price: -3 },
          { id: "00000000-0000-4000-8000-000000000000", price: 5 },
          sampleListing({ sku: "NEW-1" }),
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ created: 1, updated: 1, failed: 3 });
    expect(r.body.results.map((x) => x.status)).toEqual([
      "created",
      "updated",
      "error",
      "error",
      "error",
    ]);
    expect(r.body.results[3]?.error?.code).toBe("NOT_FOUND");
    expect(r.body.results[4]?.error?.code).toBe("CONFLICT");
    const after = await call<L>(api, "GET", `/v1/listings/${existing.body.id}`, {
      token: s.accessToken,
    });
    expect(after.body.price).toBe(1);
    expect(after.body.version).toBe(2);
  });

  it("bulk upserts racing to create one new SKU make one listing: one creates, the other updates", async () => {
    const s = await signUp(api);
    for (let round = 0; round < 5; round++) {
      const sku = `RACE-${round}`;
      const answers = await Promise.all(
        [10, 20].map((price) =>
          call<{ results: { status: string }[] }>(api, "POST", "/v1/listings/bulk", {
            token: s.accessToken,
            body: { rows: [sampleListing({ sku, price })] },
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers.map((a) => a.body.results[0]?.status).sort()).toEqual(["created", "updated"]);
      const found = await call<{ items: L[] }>(
        api,
        "GET",
        `/v1/listings?q=${encodeURIComponent(sku)}&limit=10`,
        { token: s.accessToken },
      );
      expect(found.body.items.length).toBe(1);
    }
  });

  it("bulk deletes by ids and reports unknown ones", async () => {
    const s = await signUp(api);
    const a = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing(),
    });
    const r = await call<{ deleted: number; errors: { id: string }[] }>(
      api,
      "POST",
      "/v1/listings/bulk-delete",
      { token: s.accessToken, body: { ids: [a.body.id, "00000000-0000-4000-8000-000000000001"] } },
    );
    expect(r.body.deleted).toBe(1);
    expect(r.body.errors.map((e) => e.id)).toEqual(["00000000-0000-4000-8000-000000000001"]);
  });
});
