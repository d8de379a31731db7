import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, signUp, type TestApi, upload, waitFor } from "../harness";
import { createProofApi } from "./common";
import { reportProof } from "./tally";

/**
 * Through the whole API: listings a seller saved are exported (csv, json, xlsx), the file is
 * uploaded as an import by another seller and committed, and that seller ends up with the same
 * listings field for field.
 */

const RUNS_PER_FORMAT = 8;
let api: TestApi;
let cases = 0;
const started = performance.now();

beforeAll(async () => {
  // Imports commit in a background job: run the real workers against the same queues.
  api = await createProofApi({ workers: true });
}, 120_000);

afterAll(async () => {
  await api?.close();
  reportProof("api-roundtrip", cases, performance.now() - started);
});

/** Drops what some carrier cannot hold: control characters (xlsx) and NUL (PostgreSQL). */
const printable = (s: string) =>
  [...s]
    .filter((ch) => {
      const c = ch.codePointAt(0) ?? 0;
      return c >= 0x20 && c !== 0x7f && c !== 0xfffe && c !== 0xffff;
    })
    .join("");

const text = (max: number) =>
  fc
    .array(
      fc.oneof(
        fc.string({ unit: "grapheme", maxLength: 6 }),
        fc.constantFrom(
          '"',
          "'",
          ",",
          ";",
          "=SUM(A1)",
          "+1",
          "-",
          "@x",
          "é",
          "😀",
          "日本",
          "<b>",
          "\\",
        ),
      ),
      { maxLength: 5 },
    )
    .map((parts) => [...printable(parts.join(""))].slice(0, max).join(""));

const listing = fc.record({
  title: text(120)
    .map((s) => s.trim())
    .filter((s) => s !== ""),
  price: fc.integer({ min: 0, max: 99_999_999 }).map((c) => (c / 100).toFixed(2)),
  currency: fc.constantFrom("USD", "EUR", "GBP"),
  condition: fc.option(fc.constantFrom("New", "Used - Like New", "Used - Good", "Used - Fair")),
  description: text(400),
  category: fc.option(
    text(60)
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  ),
  offerShipping: fc.boolean(),
  quantity: fc.integer({ min: 0, max: 10_000 }),
  imageUrls: fc.array(
    fc.webSegment().map((s) => `https://img.example.test/${s || "x"}.jpg`),
    { maxLength: 3 },
  ),
  status: fc.constantFrom("draft", "active", "archived"),
});

interface Saved {
  sku: string;
  title: string;
  price: number | string;
  currency: string;
  condition: string | null;
  description: string;
  category: string | null;
  offerShipping: boolean;
  quantity: number;
  imageUrls: string[];
  status: string;
}

/** The fields a seller sees, in a form both sides can be compared by. */
const comparable = (l: Saved) => ({
  sku: l.sku,
  title: l.title,
  price: Number(l.price),
  currency: l.currency,
  condition: l.condition ?? null,
  description: l.description,
  category: l.category ?? null,
  offerShipping: l.offerShipping,
  quantity: l.quantity,
  imageUrls: l.imageUrls,
  status: l.status,
});

async function listingsOf(token: string): Promise<ReturnType<typeof comparable>[]> {
  const r = await call<{ items: Saved[] }>(api, "GET", "/v1/listings?limit=500", { token });
  expect(r.status).toBe(200);
  return r.body.items.map(comparable).sort((a, b) => a.sku.localeCompare(b.sku));
}

describe("export → import through the API", () => {
  for (const format of ["csv", "json", "xlsx"] as const) {
    it(`${format}: another seller gets back the same listings`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(listing, { minLength: 1, maxLength: 6 }), async (rows) => {
          cases++;
          const from = await signUp(api, "export");
          const to = await signUp(api, "import");
          const made = await call(api, "POST", "/v1/listings/bulk", {
            token: from.accessToken,
            body: { rows: rows.map((r, i) => ({ ...r, sku: `SKU-${i}` })), matchBy: "sku" },
          });
          expect(made.status, JSON.stringify(made.body)).toBe(200);
          const want = await listingsOf(from.accessToken);
          expect(want).toHaveLength(rows.length);

          const res = await api.app.request("/v1/exports", {
            method: "POST",
            headers: {
              authorization: `Bearer ${from.accessToken}`,
              "content-type": "application/json",
            },
            body: JSON.stringify({ format }),
          });
          expect(res.status).toBe(200);
          const bytes = new Uint8Array(await res.arrayBuffer());

          const up = await upload<{ id: string; status: string; counts: Record<string, number> }>(
            api,
            "/v1/imports",
            { name: `listings.${format}`, bytes },
            { token: to.accessToken, fields: { mode: "create" } },
          );
          expect(up.status, JSON.stringify(up.body)).toBe(201);
          expect(up.body.status).toBe("previewed");
          expect(up.body.counts.create).toBe(rows.length);
          const commit = await call(api, "POST", `/v1/imports/${up.body.id}/commit`, {
            token: to.accessToken,
            body: {},
          });
          expect([200, 202]).toContain(commit.status);
          const done = await waitFor(async () => {
            const r = await call<{ status: string }>(api, "GET", `/v1/imports/${up.body.id}`, {
              token: to.accessToken,
            });
            return ["committed", "failed"].includes(r.body.status) ? r.body : undefined;
          });
          expect(done.status).toBe("committed");
          expect(await listingsOf(to.accessToken)).toEqual(want);
        }),
        { numRuns: RUNS_PER_FORMAT },
      );
    }, 120_000);
  }
});
