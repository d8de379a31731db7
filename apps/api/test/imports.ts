import { expect } from "vitest";
import { call, type Seller, type TestApi, upload, waitFor } from "./harness";

/** An import as the API shows it. */
export type Imp = {
  id: string;
  status: string;
  format: string;
  marketplace: string;
  counts: Record<string, number>;
  problems: {
    row: number;
    column: string;
    value: string;
    code: string;
    severity: string;
    message: string;
    suggestion?: string;
  }[];
  changeSetId: string | null;
  error: string | null;
  progress: { processed: number; total: number } | null;
};

/** A listing as the API shows it. */
export type L = {
  id: string;
  title: string;
  price: number;
  description: string;
  condition: string;
  sku: string | null;
  source: string;
  quantity: number;
  imageUrls: string[];
  marketplaceFields: Record<string, unknown>;
};

/** Uploads `csv` as an import with the given multipart fields (mode, matchBy…). */
export const uploadCsv = <T = Imp>(
  api: TestApi,
  s: Seller,
  csv: string,
  fields: Record<string, string> = {},
  fileName = "file.csv",
) =>
  upload<T>(
    api,
    "/v1/imports",
    { name: fileName, bytes: new TextEncoder().encode(csv) },
    { token: s.accessToken, fields },
  );

export const newListing = async (api: TestApi, s: Seller, body: Record<string, unknown>) => {
  const r = await call<L>(api, "POST", "/v1/listings", { token: s.accessToken, body });
  expect(r.status).toBe(201);
  return r.body;
};

export const getListing = async (api: TestApi, s: Seller, id: string) =>
  (await call<L>(api, "GET", `/v1/listings/${id}`, { token: s.accessToken })).body;

/** The seller's listings, by title. */
export const listAll = async (api: TestApi, s: Seller) =>
  (
    await call<{ items: L[] }>(api, "GET", "/v1/listings?limit=500&sort=title:asc", {
      token: s.accessToken,
    })
  ).body.items;

/** Commits import `id` and waits until it is committed or failed. */
export async function commitAndWait(
  api: TestApi,
  s: Seller,
  id: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const c = await call<Imp>(api, "POST", `/v1/imports/${id}/commit`, {
    token: s.accessToken,
    body,
    headers,
  });
  expect([200, 202]).toContain(c.status);
  return waitFor(async () => {
    const r = await call<Imp>(api, "GET", `/v1/imports/${id}`, { token: s.accessToken });
    return r.body.status === "committed" || r.body.status === "failed" ? r.body : undefined;
  }, 30_000);
}
