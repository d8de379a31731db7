import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, sampleListing, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

type L = { id: string; title: string; price: number; version: number };

describe("change sets, undo and redo", () => {
  it("undoes and redoes a bulk upsert and a delete", async () => {
    const s = await signUp(api);
    const t = s.accessToken;
    const base = await call<L>(api, "POST", "/v1/listings", {
      token: t,
      body: sampleListing({ sku: "A", price: 10 }),
    });
    const bulk = await call<{ changeSetId: string }>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: { rows: [{ sku: "A", price: 20 }, sampleListing({ sku: "B" })] },
    });
    const list = async () =>
      (
        await call<{ items: L[] }>(api, "GET", "/v1/listings?sort=title:asc&limit=100", {
          token: t,
        })
      ).body.items;
    expect((await list()).length).toBe(2);
    const undo = await call<{ status: string }>(
      api,
      "POST",
      `/v1/change-sets/${bulk.body.changeSetId}/undo`,
      { token: t },
    );
    expect(undo.status).toBe(200);
    expect(undo.body.status).toBe("undone");
    let rows = await list();
    expect(rows.length).toBe(1);
    expect(rows[0]?.price).toBe(10);
    expect(
      (await call(api, "POST", `/v1/change-sets/${bulk.body.changeSetId}/undo`, { token: t }))
        .status,
    ).toBe(409);
    const redo = await call(api, "POST", `/v1/change-sets/${bulk.body.changeSetId}/redo`, {
      token: t,
    });
    expect(redo.status).toBe(200);
    rows = await list();
    expect(rows.length).toBe(2);
    expect(rows.find((r) => r.id === base.body.id)?.price).toBe(20);

    const del = await call<{ changeSetId: string }>(api, "DELETE", `/v1/listings/${base.body.id}`, {
      token: t,
    });
    await call(api, "POST", `/v1/change-sets/${del.body.changeSetId}/undo`, { token: t });
    const back = await call<L & { sku: string }>(api, "GET", `/v1/listings/${base.body.id}`, {
      token: t,
    });
    expect(back.status).toBe(200);
    expect(back.body.sku).toBe("A");
    expect(back.body.price).toBe(20);
  });

  it("refuses undo with 409 when a row changed since, touching nothing", async () => {
    const s = await signUp(api);
    const t = s.accessToken;
    const a = await call<L>(api, "POST", "/v1/listings", {
      token: t,
      body: sampleListing({ price: 10 }),
    });
    const b = await call<L>(api, "POST", "/v1/listings", {
      token: t,
      body: sampleListing({ price: 10 }),
    });
    const bulk = await call<{ changeSetId: string }>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: {
        rows: [
          { id: a.body.id, price: 11 },
          { id: b.body.id, price: 12 },
        ],
      },
    });
    await call(api, "PATCH", `/v1/listings/${b.body.id}`, { token: t, body: { price: 99 } });
    const undo = await call<{ error: { code: string; details: { listingIds: string[] } } }>(
      api,
      "POST",
      `/v1/change-sets/${bulk.body.changeSetId}/undo`,
      { token: t },
    );
    expect(undo.status).toBe(409);
    expect(undo.body.error.details.listingIds).toEqual([b.body.id]);
    expect((await call<L>(api, "GET", `/v1/listings/${a.body.id}`, { token: t })).body.price).toBe(
      11,
    );
  });

  it("lists change sets with entries holding before and after", async () => {
    const s = await signUp(api);
    const a = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ price: 10 }),
    });
    const e = await call<{ changeSetId: string }>(api, "PATCH", `/v1/listings/${a.body.id}`, {
      token: s.accessToken,
      body: { price: 15 },
    });
    const list = await call<{ items: { id: string; kind: string }[] }>(
      api,
      "GET",
      "/v1/change-sets",
      { token: s.accessToken },
    );
    expect(list.body.items.map((c) => c.kind)).toEqual(["edit", "create"]);
    const detail = await call<{
      entries: { before: Record<string, unknown>; after: Record<string, unknown> }[];
    }>(api, "GET", `/v1/change-sets/${e.body.changeSetId}`, { token: s.accessToken });
    expect(detail.body.entries[0]).toMatchObject({
      before: { price: "10.00", version: 1 },
      after: { price: "15.00", version: 2 },
    });
  });
});
