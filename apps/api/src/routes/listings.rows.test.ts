import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, sampleListing, signUp, type TestApi } from "../../test/harness";
import type { AppRouter } from "../trpc/router";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

type Issue = { path: string; message: string };
type E = { error: { code: string; message: string; details?: { issues?: Issue[] } } };
type Warning = { field: string; code: string; message: string };
type L = { id: string; price: number; currency: string; version: number; warnings?: Warning[] };
type Row = {
  index: number;
  status: string;
  id?: string;
  version?: number;
  error?: { code: string; message: string; issues?: Issue[] };
  warnings?: Warning[];
};
type Upsert = { created: number; updated: number; failed: number; results: Row[] };

function trpc(token: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: "http://local/trpc",
        headers: () => ({ authorization: `Bearer ${token}` }),
        fetch: async (url, init) =>
          api.app.request(String(url), init as RequestInit) as Promise<Response>,
      }),
    ],
  });
}

/** The tRPC error a call fails with (the test fails if it succeeds). */
async function trpcError(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCClientError)
      return e as TRPCClientError<AppRouter> & { data: { appCode: string } };
    throw e;
  }
  throw new Error("expected the call to fail");
}

const bulk = (token: string, body: unknown) =>
  call<Upsert & E>(api, "POST", "/v1/listings/bulk", { token, body });

const issuesText = (e: E) => JSON.stringify(e.error.details?.issues ?? []);

describe("listing prices", () => {
  it("refuses a JSON-number price with three decimals like its text form, single and bulk", async () => {
    const s = await signUp(api);
    const asText = await call<E>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ price: "10.999" }),
    });
    expect(asText.status).toBe(400);
    const asNumber = await call<E>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ price: 10.999 }),
    });
    expect(asNumber.status).toBe(400);
    expect(asNumber.body.error.code).toBe(asText.body.error.code);
    expect(asNumber.body.error.details?.issues).toEqual(asText.body.error.details?.issues);
    expect(issuesText(asNumber.body)).toContain("at most 2 decimals");

    const ok = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ price: 10.99 }),
    });
    expect(ok.status).toBe(201);
    // A price a client computed in floating point is the amount it means, not a third decimal.
    const computed = 1.1 * 3;
    expect(String(computed)).toBe("3.3000000000000003");
    const fromFloat = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ price: computed }),
    });
    expect(fromFloat.status).toBe(201);
    expect(fromFloat.body.price).toBe(3.3);
    const patch = await call<E>(api, "PATCH", `/v1/listings/${ok.body.id}`, {
      token: s.accessToken,
      body: { price: 10.999 },
    });
    expect(patch.status).toBe(400);
    expect(patch.body.error.code).toBe("VALIDATION_FAILED");
    expect(issuesText(patch.body)).toContain("at most 2 decimals");
    const after = await call<L>(api, "GET", `/v1/listings/${ok.body.id}`, { token: s.accessToken });
    expect(after.body.price).toBe(10.99);

    const rows = await bulk(s.accessToken, {
      rows: [sampleListing({ price: 10.999 }), sampleListing({ price: "10.999" }), sampleListing()],
    });
    expect(rows.status).toBe(200);
    expect(rows.body.results.map((r) => r.status)).toEqual(["error", "error", "created"]);
    expect(rows.body.results[0]?.error?.code).toBe("VALIDATION_FAILED");
    expect(rows.body.results[0]?.error?.issues).toEqual(rows.body.results[1]?.error?.issues);

    const viaTrpc = await trpcError(
      trpc(s.accessToken).listings.create.mutate({ title: "Lamp", price: 10.999 }),
    );
    expect(viaTrpc.data?.appCode).toBe("VALIDATION_FAILED");
    expect(viaTrpc.message).toContain("at most 2 decimals");
  });

  it("refuses a fractional amount in a currency without minor units, naming the currency", async () => {
    const s = await signUp(api);
    const created = await call<E>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ price: 1234.5, currency: "JPY" }),
    });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe("VALIDATION_FAILED");
    expect(created.body.error.details?.issues).toContainEqual({
      path: "price",
      message: "JPY has no minor unit: 1234.5",
    });
    const yen = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ price: 1234, currency: "JPY" }),
    });
    expect(yen.status).toBe(201);

    // Only the price is sent: the listing's own currency decides.
    const cents = await call<E>(api, "PATCH", `/v1/listings/${yen.body.id}`, {
      token: s.accessToken,
      body: { price: "1234.50" },
    });
    expect(cents.status).toBe(400);
    expect(cents.body.error.code).toBe("VALIDATION_FAILED");
    expect(cents.body.error.details?.issues).toEqual([
      { path: "price", message: "JPY has no minor unit: 1234.50" },
    ]);
    // Only the currency is sent: the listing's own price decides.
    const usd = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ price: 19.99 }),
    });
    const toWon = await call<E>(api, "PATCH", `/v1/listings/${usd.body.id}`, {
      token: s.accessToken,
      body: { currency: "KRW" },
    });
    expect(toWon.status).toBe(400);
    expect(toWon.body.error.message).toBe("KRW has no minor unit: 19.99");
    const still = await call<L>(api, "GET", `/v1/listings/${usd.body.id}`, {
      token: s.accessToken,
    });
    expect(still.body.currency).toBe("USD");

    const t = trpc(s.accessToken);
    const trpcCreate = await trpcError(
      t.listings.create.mutate({ title: "Kettle", price: 99.5, currency: "KRW" }),
    );
    expect(trpcCreate.data?.appCode).toBe("VALIDATION_FAILED");
    expect(trpcCreate.message).toContain("KRW has no minor unit: 99.5");
    const trpcUpdate = await trpcError(t.listings.update.mutate({ id: yen.body.id, price: 10.5 }));
    expect(trpcUpdate.data?.appCode).toBe("VALIDATION_FAILED");
    expect(trpcUpdate.message).toContain("JPY has no minor unit: 10.5");

    const sku = `SKU-YEN-${Date.now()}`;
    await bulk(s.accessToken, { rows: [sampleListing({ sku, price: 500, currency: "JPY" })] });
    const rows = await bulk(s.accessToken, {
      rows: [
        sampleListing({ price: 1234.5, currency: "JPY" }),
        { sku, price: 499.5 },
        sampleListing({ price: 1234, currency: "JPY" }),
      ],
    });
    expect(rows.status).toBe(200);
    expect(rows.body.results.map((r) => r.status)).toEqual(["error", "error", "created"]);
    expect(rows.body.results[0]?.error?.issues).toContainEqual({
      path: "price",
      message: "JPY has no minor unit: 1234.5",
    });
    expect(rows.body.results[1]?.error).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "price", message: "JPY has no minor unit: 499.5" }],
    });
  });
});

describe("bulk upsert rows", () => {
  it("reports a row that is not an object as that row's error and applies the others", async () => {
    const s = await signUp(api);
    const res = await bulk(s.accessToken, {
      rows: [null, 3, "x", [sampleListing()], sampleListing(), true],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 1, failed: 5 });
    expect(res.body.results.map((r) => r.status)).toEqual([
      "error",
      "error",
      "error",
      "error",
      "created",
      "error",
    ]);
    for (const i of [0, 1, 2, 3, 5]) {
      expect(res.body.results[i]?.error?.code, `row ${i}`).toBe("VALIDATION_FAILED");
      expect(res.body.results[i]?.error?.message, `row ${i}`).toMatch(/^Row must be a listing/);
    }
    const viaTrpc = await trpc(s.accessToken).listings.bulkUpsert.mutate({
      rows: [null, sampleListing()],
    });
    expect(viaTrpc.results.map((r) => r.status)).toEqual(["error", "created"]);
  });

  it("names the keys it ignores in warnings, for bulk rows and single listings alike", async () => {
    const s = await signUp(api);
    const res = await bulk(s.accessToken, {
      rows: [sampleListing({ prise: 5, colour: "red" }), sampleListing()],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.status)).toEqual(["created", "created"]);
    expect(res.body.results[0]?.warnings?.map((w) => [w.field, w.code])).toEqual([
      ["prise", "UNKNOWN_FIELD"],
      ["colour", "UNKNOWN_FIELD"],
    ]);
    expect(res.body.results[1]?.warnings).toBeUndefined();

    const one = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ prise: 5 }),
    });
    expect(one.status).toBe(201);
    expect(one.body.warnings).toEqual([
      {
        field: "prise",
        code: "UNKNOWN_FIELD",
        message: "'prise' is not a listing field and was ignored",
      },
    ]);
    const edit = await call<L>(api, "PATCH", `/v1/listings/${one.body.id}`, {
      token: s.accessToken,
      body: { title: "Renamed", version: 1, colour: "red" },
    });
    expect(edit.status).toBe(200);
    expect(edit.body.version).toBe(2);
    expect(edit.body.warnings?.map((w) => w.field)).toEqual(["colour"]);

    const t = trpc(s.accessToken);
    const viaTrpc = await t.listings.create.mutate({
      ...sampleListing(),
      prise: 5,
    } as Parameters<typeof t.listings.create.mutate>[0]);
    expect(viaTrpc.warnings?.map((w) => w.field)).toEqual(["prise"]);
    const trpcEdit = await t.listings.update.mutate({
      id: viaTrpc.id,
      title: "Renamed",
      colour: "red",
    } as Parameters<typeof t.listings.update.mutate>[0]);
    expect(trpcEdit.warnings?.map((w) => w.field)).toEqual(["colour"]);
  });

  it("refuses a row with a version whose listing no longer exists instead of creating it", async () => {
    const s = await signUp(api);
    const sku = `SKU-GONE-${Date.now()}`;
    const first = await bulk(s.accessToken, { rows: [sampleListing({ sku })] });
    const id = first.body.results[0]?.id as string;
    const del = await call(api, "DELETE", `/v1/listings/${id}`, { token: s.accessToken });
    expect(del.status).toBe(200);

    const res = await bulk(s.accessToken, {
      rows: [
        { sku, title: "Edited after delete", price: 5, version: 1 },
        { title: "No key at all", price: 5, version: 1 },
        sampleListing(),
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.status)).toEqual(["error", "error", "created"]);
    expect(res.body.results[0]?.error?.code).toBe("NOT_FOUND");
    expect(res.body.results[0]?.error?.message).toContain(sku);
    expect(res.body.results[1]?.error?.code).toBe("NOT_FOUND");
    const byId = await bulk(s.accessToken, {
      matchBy: "id",
      rows: [{ title: "No id", price: 5, version: 1 }],
    });
    expect(byId.body.results[0]?.error?.code).toBe("NOT_FOUND");

    const page = await call<{ items: { sku: string }[] }>(api, "GET", "/v1/listings?limit=50", {
      token: s.accessToken,
    });
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items.map((l) => l.sku)).not.toContain(sku);

    // A row with a version whose listing does exist still updates it.
    const live = `SKU-LIVE-${Date.now()}`;
    await bulk(s.accessToken, { rows: [sampleListing({ sku: live })] });
    const upd = await bulk(s.accessToken, { rows: [{ sku: live, title: "Updated", version: 1 }] });
    expect(upd.body.results[0]).toMatchObject({ status: "updated", version: 2 });
  });
});
