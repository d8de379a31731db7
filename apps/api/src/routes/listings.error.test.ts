import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, sampleListing, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

type E = {
  error: {
    code: string;
    message: string;
    details?: { current?: { version: number }; issues?: unknown[] };
  };
};

describe("listing errors", () => {
  it("refuses a stale version with 409 and the current row", async () => {
    const s = await signUp(api);
    const c = await call<{ id: string }>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing(),
    });
    await call(api, "PATCH", `/v1/listings/${c.body.id}`, {
      token: s.accessToken,
      body: { title: "First edit", version: 1 },
    });
    const stale = await call<E>(api, "PATCH", `/v1/listings/${c.body.id}`, {
      token: s.accessToken,
      body: { title: "Second edit", version: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("VERSION_CONFLICT");
    expect(stale.body.error.details?.current?.version).toBe(2);
  });

  it("validates bodies and queries with codes", async () => {
    const s = await signUp(api);
    const bad = await call<E>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: { title: "", price: "abc", imageUrls: ["javascript:alert(1)"] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
    const badQuery = await call<E>(api, "GET", "/v1/listings?limit=100000&sort=evil", {
      token: s.accessToken,
    });
    expect(badQuery.status).toBe(400);
    const badCursor = await call<E>(api, "GET", "/v1/listings?cursor=garbage", {
      token: s.accessToken,
    });
    expect(badCursor.status).toBe(400);
    const malformed = await call<E>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      raw: '{"title": ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("MALFORMED_BODY");
  });

  it("refuses tampered cursors with 400 and pages on with a genuine one", async () => {
    const s = await signUp(api);
    for (const title of ["One", "Two", "Three"])
      await call(api, "POST", "/v1/listings", {
        token: s.accessToken,
        body: sampleListing({ title }),
      });
    type Page = { items: { id: string; title: string }[]; nextCursor: string | null };
    const list = (query: string) =>
      call<Page & E>(api, "GET", `/v1/listings?limit=1&${query}`, { token: s.accessToken });
    const first = await list("sort=updatedAt:desc");
    const cursor = first.body.nextCursor;
    if (!cursor) throw new Error("expected a next page");
    const [value, id] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as string[];
    // UTC with PostgreSQL's microseconds.
    expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const tampered = (v: unknown, i: unknown = id) =>
      Buffer.from(JSON.stringify([v, i])).toString("base64url");

    for (const bad of [
      "2026-01-01T00:00:00+25:00",
      "2026-01-01 00:00:00 Mars/Olympus",
      "+275760-09-13T00:00:00.000Z",
      "2026-02-30T00:00:00.000Z",
      "2026-01-01T00:00:00.0000Z",
    ]) {
      for (const sort of ["updatedAt:desc", "createdAt:asc"]) {
        const res = await list(`sort=${sort}&cursor=${tampered(bad)}`);
        expect(res.status, `${sort} ${bad}`).toBe(400);
        expect(res.body.error.code).toBe("VALIDATION_FAILED");
      }
    }
    for (const [sort, v, i] of [
      ["price:asc", "1e400", id],
      ["price:asc", "12; drop", id],
      ["updatedAt:desc", value, "not-a-uuid"],
    ]) {
      const res = await list(`sort=${sort}&cursor=${tampered(v, i)}`);
      expect(res.status, `${sort} ${v} ${i}`).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }

    const second = await list(`sort=updatedAt:desc&cursor=${cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0]?.id).not.toBe(first.body.items[0]?.id);
    const byPrice = await list("sort=price:asc");
    const nextByPrice = await list(`sort=price:asc&cursor=${byPrice.body.nextCursor}`);
    expect(nextByPrice.status).toBe(200);
    expect(nextByPrice.body.items).toHaveLength(1);
  });

  it("answers 404 for unknown and non-uuid ids and 413 for a huge bulk body", async () => {
    const s = await signUp(api);
    expect(
      (await call(api, "GET", "/v1/listings/not-a-uuid", { token: s.accessToken })).status,
    ).toBe(404);
    expect(
      (
        await call(api, "PATCH", "/v1/listings/00000000-0000-4000-8000-000000000000", {
          token: s.accessToken,
          body: { title: "x" },
        })
      ).status,
    ).toBe(404);
    const big = await call<E>(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      raw: JSON.stringify({ rows: [{ title: "x".repeat(17 * 1024 * 1024), price: 1 }] }),
    });
    expect(big.status).toBe(413);
    const tooMany = await call<E>(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      body: { rows: Array.from({ length: 10_001 }, () => ({ title: "t", price: 1 })) },
    });
    expect(tooMany.status).toBe(400);
  });

  it("refuses free-form JSON nested deeper than 32 levels with 400, wherever it is sent", async () => {
    const s = await signUp(api);
    /** JSON text of `depth` arrays around a string (built as text: too deep to stringify). */
    const nest = (depth: number) => `${"[".repeat(depth)}"leaf"${"]".repeat(depth)}`;
    const send = (method: string, path: string, raw: string) =>
      call<{ error: { code: string; message: string } }>(api, method, path, {
        token: s.accessToken,
        raw,
      });
    // The object itself is level 1, so a value in it may nest 31 more.
    const ok = await send(
      "POST",
      "/v1/listings",
      `{"title":"Nested","price":1,"marketplaceFields":{"a":${nest(31)}}}`,
    );
    expect(ok.status).toBe(201);
    for (const depth of [32, 10_000]) {
      const deep = `{"a":${nest(depth)}}`;
      const created = await send(
        "POST",
        "/v1/listings",
        `{"title":"Deep","price":1,"marketplaceFields":${deep}}`,
      );
      expect(created.status).toBe(400);
      expect(created.body.error.code).toBe("VALIDATION_FAILED");
      expect(JSON.stringify(created.body)).toContain("32 levels");
      const bulk = await call<{ created: number; failed: number; results: { status: string }[] }>(
        api,
        "POST",
        "/v1/listings/bulk",
        {
          token: s.accessToken,
          raw: `{"rows":[{"title":"Deep","price":1,"marketplaceFields":${deep}},${JSON.stringify(sampleListing())}]}`,
        },
      );
      expect(bulk.status).toBe(200);
      expect(bulk.body).toMatchObject({ created: 1, failed: 1 });
      expect(bulk.body.results.map((r) => r.status)).toEqual(["error", "created"]);
      const template = await send(
        "POST",
        "/v1/templates",
        `{"name":"Deep","fields":{"marketplaceFields":${deep}}}`,
      );
      expect(template.status).toBe(400);
      const me = await send("PATCH", "/v1/auth/me", `{"preferences":${deep}}`);
      expect(me.status).toBe(400);
      expect(me.body.error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("reports values the database cannot hold as row errors and still applies the other rows", async () => {
    const s = await signUp(api);
    const bulk = await call<{
      results: { index: number; status: string; error?: { code: string; issues?: unknown[] } }[];
    }>(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      body: {
        matchBy: "id",
        rows: [
          { title: "Lamp\u0000", price: 1 },
          { title: "Too dear", price: 9_999_999_999.995 },
          { title: "Fine", price: 5 },
          { title: "Odd fields", price: 1, marketplaceFields: { note: "a\u0000b" } },
          { title: "Odd picture", price: 1, imageUrls: ["https://x.test/a\u0000b"] },
        ],
      },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r) => r.status)).toEqual([
      "error",
      "error",
      "created",
      "error",
      "error",
    ]);
    for (const i of [0, 1, 3, 4])
      expect(bulk.body.results[i]?.error?.code, `row ${i}`).toBe("VALIDATION_FAILED");
    const one = await call<E>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: { title: "Lamp", price: 1, description: "a\u0000b" },
    });
    expect(one.status).toBe(400);
    expect(one.body.error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(one.body.error.details)).toContain("NUL");
  });

  it("refuses a duplicate SKU", async () => {
    const s = await signUp(api);
    await call(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ sku: "DUP" }),
    });
    const dup = await call<E>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ sku: "DUP" }),
    });
    expect(dup.status).toBe(409);
  });
});
