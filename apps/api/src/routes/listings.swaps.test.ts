import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, sampleListing, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

type Upsert = {
  changeSetId: string | null;
  updated: number;
  results: { status: string; id?: string; error?: { code: string; message: string } }[];
};

/** A new seller with one listing per SKU, created by one bulk request. */
async function seller(skus: string[]) {
  const s = await signUp(api);
  const t = s.accessToken;
  const made = await call<Upsert>(api, "POST", "/v1/listings/bulk", {
    token: t,
    body: { rows: skus.map((sku) => sampleListing({ sku })) },
  });
  expect(made.status).toBe(200);
  const ids = made.body.results.map((r) => r.id as string);
  const skusNow = async () => {
    const page = await call<{ items: { id: string; sku: string | null }[] }>(
      api,
      "GET",
      "/v1/listings?limit=100",
      { token: t },
    );
    const byId = new Map(page.body.items.map((i) => [i.id, i.sku]));
    return ids.map((id) => byId.get(id));
  };
  return { t, ids, skusNow };
}

describe("SKU swaps through the API", () => {
  it("swaps two SKUs in one bulk request, and undoes and redoes it", async () => {
    const { t, ids, skusNow } = await seller(["S-1", "S-2"]);
    const [a, b] = ids;
    const swap = await call<Upsert>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: {
        rows: [
          { id: a, sku: "S-2" },
          { id: b, sku: "S-1" },
        ],
      },
    });
    expect(swap.status).toBe(200);
    expect(swap.body.results.map((r) => r.status)).toEqual(["updated", "updated"]);
    expect(await skusNow()).toEqual(["S-2", "S-1"]);
    const cs = swap.body.changeSetId as string;
    expect((await call(api, "POST", `/v1/change-sets/${cs}/undo`, { token: t })).status).toBe(200);
    expect(await skusNow()).toEqual(["S-1", "S-2"]);
    expect((await call(api, "POST", `/v1/change-sets/${cs}/redo`, { token: t })).status).toBe(200);
    expect(await skusNow()).toEqual(["S-2", "S-1"]);
  });

  it("refuses per row a SKU a listing outside the request holds", async () => {
    const { t, ids, skusNow } = await seller(["K-1", "K-2", "K-3"]);
    const [a, b] = ids;
    const r = await call<Upsert>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: {
        rows: [
          { id: a, sku: "K-2" },
          { id: b, sku: "K-3" },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x) => x.error?.code)).toEqual(["CONFLICT", "CONFLICT"]);
    expect(await skusNow()).toEqual(["K-1", "K-2", "K-3"]);
  });
});
