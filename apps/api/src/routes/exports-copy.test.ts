import { readTable } from "@mbe/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, type Seller, signUp, type TestApi } from "../../test/harness";

/*
 * Generic CSV and XLSX exports come straight from PostgreSQL's COPY when it is available; the
 * cells must be exactly what the listing-by-listing writer produces for the same rows.
 */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000", EXPORTS_PER_HOUR: "1000" });
});
afterAll(() => api.close());

const TEXTS = [
  '=HYPERLINK("http://evil")',
  "+1 555 0100",
  "-3 dB cable",
  "@SUM(A1)",
  "'=already quoted",
  "''+two quotes",
  "\tTab first",
  "O'Brien's \"quoted\" \\ backslash \\N \\t",
  "multi\nline\r\ntext\twith tab",
  " leading and trailing space ",
  "emoji 🚲🔋 and ünïcödé ✓, comma; semicolon",
  "$q$ dollar $$ quoting $qq$",
  "plain",
];

async function seed(s: Seller) {
  const rows = TEXTS.map((t, i) => ({
    title: t.trim() ? t : `x${t}`,
    description: TEXTS[(i + 3) % TEXTS.length],
    price: i === 0 ? 0.5 : 10 + i * 7.25,
    sku: i % 3 === 0 ? null : `SKU-${i}-${TEXTS[(i + 5) % TEXTS.length]?.slice(0, 8)}`,
    condition: i % 2 ? "New" : null,
    category: i % 4 ? `Cat//${TEXTS[i % 5]}` : null,
    quantity: i,
    offerShipping: i % 2 === 0,
    status: (["draft", "active", "archived"] as const)[i % 3],
    imageUrls:
      i % 4 === 0
        ? []
        : i % 4 === 1
          ? [`https://img.example/${i}.jpg`, `https://img.example/${i}b.jpg`]
          : i % 4 === 2
            ? ["https://img.example/a|b.jpg"]
            : ["https://img.example/ok.jpg", "https://img.example/q.jpg?a=1|2"],
    marketplaceFields:
      i % 3 === 0 ? {} : { ebay: { conditionId: 1000 + i, note: TEXTS[i] }, fb: [1, "two"] },
  }));
  const r = await call(api, "POST", "/v1/listings/bulk", {
    token: s.accessToken,
    body: { rows },
  });
  expect(r.status).toBe(200);
  expect(JSON.stringify(r.body)).not.toContain('"error');
}

async function exportCells(s: Seller, format: "csv" | "xlsx") {
  const res = await api.app.request("/v1/exports", {
    method: "POST",
    headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ format }),
  });
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const table = await readTable({ bytes, fileName: `x.${format}` });
  const rows: string[][] = [];
  for await (const r of table.rows) rows.push(r.values.map((v) => String(v ?? "")));
  return { headers: table.headers, rows };
}

/** JSON cells compare by value: PostgreSQL and JSON.stringify space them differently. */
const normalise = (rows: string[][]) =>
  rows.map((r) =>
    r.map((v) => {
      if (/^[[{]/.test(v))
        try {
          return JSON.stringify(JSON.parse(v));
        } catch {}
      return v;
    }),
  );

describe("exports through COPY", () => {
  for (const format of ["csv", "xlsx"] as const)
    it(`${format}: the same cells as the listing-by-listing writer`, async () => {
      const s = await signUp(api);
      await seed(s);
      expect(api.deps.copyOut).toBeDefined();
      const fast = await exportCells(s, format);
      const copyOut = api.deps.copyOut;
      api.deps.copyOut = undefined;
      const slow = await exportCells(s, format).finally(() => {
        api.deps.copyOut = copyOut;
      });
      expect(fast.headers).toEqual(slow.headers);
      expect(fast.rows).toHaveLength(TEXTS.length);
      expect(normalise(fast.rows)).toEqual(normalise(slow.rows));
    });
});
