import { execFileSync } from "node:child_process";
import ExcelJS from "exceljs";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  call,
  createTestApi,
  type Seller,
  signUp,
  type TestApi,
  upload,
  waitFor,
} from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000", UPLOADS_PER_MINUTE: "1000", EXPORTS_PER_HOUR: "1000" },
    { workers: true },
  );
});
afterAll(() => api.close());

const NASTY = [
  '=HYPERLINK("http://evil")',
  "+1 555 0100",
  "-3 dB cable",
  "@SUM(A1)",
  "O'Brien's \"quoted\" \\ backslash",
  "multi\nline\r\ntext\twith tab",
  "emoji 🚲🔋 and ünïcödé ✓",
];

async function seed(
  s: Seller,
  n: number,
  over: (i: number) => Record<string, unknown> = () => ({}),
) {
  const rows = Array.from({ length: n }, (_, i) => ({
    title: `Item ${String(i).padStart(3, "0")}`,
    price: 10 + i,
    sku: `SKU-${i}`,
    condition: "New",
    status: "active",
    ...over(i),
  }));
  for (let i = 0; i < rows.length; i += 5000)
    await call(api, "POST", "/v1/listings/bulk", {
      token: s.accessToken,
      body: { rows: rows.slice(i, i + 5000) },
    });
}

async function exportRaw(s: Seller, body: Record<string, unknown>) {
  const res = await api.app.request("/v1/exports", {
    method: "POST",
    headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe("exports", () => {
  it("streams CSV for Excel: BOM, neutralised formulas, the original file name", async () => {
    const s = await signUp(api);
    await seed(s, NASTY.length, (i) => ({
      title: NASTY[i],
      description: NASTY[(i + 1) % NASTY.length],
    }));
    const { res, bytes } = await exportRaw(s, { format: "csv" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(
      /attachment; filename="marketplace-listings-\d{8}-\d{6}\.csv"/,
    );
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text).toContain("'=HYPERLINK");
    expect(text).toContain("'+1 555 0100");
    expect(text).toContain("'@SUM(A1)");
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it("writes XLSX whose cells hold the listings, with text formulas neutralised", async () => {
    const s = await signUp(api);
    await seed(s, 3, (i) => ({ title: i === 0 ? "=1+1" : `Bike ${i}`, price: 100 + i }));
    const { res, bytes } = await exportRaw(s, { format: "xlsx" });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(bytes) as never);
    const ws = wb.worksheets[0];
    if (!ws) throw new Error("no sheet");
    const header = (ws.getRow(1).values as unknown[]).map(String);
    const titleCol = header.findIndex((h) => /title/i.test(h));
    const priceCol = header.findIndex((h) => /price/i.test(h));
    const titles: string[] = [];
    const prices: unknown[] = [];
    ws.eachRow((row, n) => {
      if (n === 1) return;
      titles.push(String(row.getCell(titleCol).value));
      prices.push(row.getCell(priceCol).value);
    });
    expect(titles.sort()).toEqual(["'=1+1", "Bike 1", "Bike 2"]);
    expect(prices.map(Number).sort()).toEqual([100, 101, 102]);
  });

  it("exports SQL that psql loads back into exactly the same rows", async () => {
    const s = await signUp(api);
    await seed(s, NASTY.length, (i) => ({
      title: NASTY[i],
      description: NASTY[(i + 3) % NASTY.length],
      price: 1234.5 + i,
    }));
    const { res, bytes } = await exportRaw(s, { format: "sql" });
    expect(res.status).toBe(200);
    const sqlText = new TextDecoder().decode(bytes);
    expect(sqlText).toContain("SET standard_conforming_strings = on;");
    const base = new URL(inject("databaseUrl"));
    const name = `mbe_sqlrt_${Date.now()}`;
    const admin = postgres(`${base.protocol}//${base.username}@${base.host}/postgres`, {
      max: 1,
      onnotice: () => {},
    });
    await admin.unsafe(`create database "${name}"`);
    try {
      const target = `${base.protocol}//${base.username}@${base.host}/${name}`;
      execFileSync("psql", ["-v", "ON_ERROR_STOP=1", "-q", target], { input: sqlText });
      const db = postgres(target, { max: 1, onnotice: () => {} });
      const tables =
        await db`select table_name from information_schema.tables where table_schema = 'public'`;
      const table = String(tables[0]?.table_name);
      const rows = await db.unsafe(`select * from "${table}"`);
      await db.end();
      const mine = (
        await call<{ items: { title: string; description: string; price: number }[] }>(
          api,
          "GET",
          "/v1/listings?limit=100",
          { token: s.accessToken },
        )
      ).body.items;
      expect(rows.length).toBe(mine.length);
      expect(rows.map((r) => r.title).sort()).toEqual(mine.map((m) => m.title).sort());
      expect(rows.map((r) => r.description).sort()).toEqual(mine.map((m) => m.description).sort());
      expect(rows.map((r) => Number(r.price)).sort()).toEqual(mine.map((m) => m.price).sort());
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });

  it("writes Facebook's layout as ceil(N/50) files in a zip", async () => {
    const s = await signUp(api);
    await seed(s, 120);
    const { res, bytes } = await exportRaw(s, { format: "xlsx", marketplace: "facebook" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain(".zip");
    const text = Buffer.from(bytes).toString("latin1");
    const entries = text.match(/marketplace-listings-[\w-]+\.xlsx/g) ?? [];
    expect(new Set(entries).size).toBe(3);
  });

  it("runs large exports as a job with a signed download link", async () => {
    const s = await signUp(api);
    await seed(s, 30);
    const queued = await call<{ id: string; status: string }>(api, "POST", "/v1/exports", {
      token: s.accessToken,
      body: { format: "json", mode: "job" },
    });
    expect(queued.status).toBe(202);
    const done = await waitFor(async () => {
      const r = await call<{
        status: string;
        downloadUrl: string | null;
        rowCount: number;
        progress: { processed: number } | null;
      }>(api, "GET", `/v1/exports/${queued.body.id}`, { token: s.accessToken });
      return r.body.status === "completed" ? r.body : undefined;
    });
    expect(done.rowCount).toBe(30);
    const file = await api.app.request(done.downloadUrl as string);
    expect(file.status).toBe(200);
    const json = JSON.parse(await file.text());
    expect(json.length ?? json.listings?.length).toBe(30);
    const tampered = await api.app.request(`${(done.downloadUrl as string).slice(0, -2)}xx`);
    expect(tampered.status).toBe(401);
    // A deactivated account's links stop working with it, and work again if it is reactivated.
    const sql = api.db.sql;
    if (!sql) throw new Error("needs PostgreSQL");
    await sql`update users set active = false where id = ${s.id}`;
    expect((await api.app.request(done.downloadUrl as string)).status).toBe(404);
    await sql`update users set active = true where id = ${s.id}`;
    expect((await api.app.request(done.downloadUrl as string)).status).toBe(200);
    const other = await signUp(api);
    expect(
      (
        await call(api, "GET", `/v1/exports/${queued.body.id}/download`, {
          token: other.accessToken,
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(api, "GET", `/v1/exports/${queued.body.id}`, { token: other.accessToken }))
        .status,
    ).toBe(404);
  });

  it("exports only the caller's listings, and honours a filter", async () => {
    const a = await signUp(api);
    const b = await signUp(api);
    await seed(a, 5);
    await seed(b, 2, (i) => ({ title: `B secret ${i}` }));
    const { bytes } = await exportRaw(b, { format: "csv" });
    const text = new TextDecoder().decode(bytes);
    expect(text).toContain("B secret");
    expect(text).not.toContain("Item 000");
    const filtered = await exportRaw(a, { format: "csv", selection: { filter: { priceMin: 13 } } });
    expect(filtered.res.headers.get("x-total-count")).toBe("2");
  });

  it.each(["csv", "json", "xlsx"])(
    "gives back the same listings after export → import (%s)",
    async (format) => {
      const s = await signUp(api);
      await seed(s, NASTY.length, (i) => ({
        title: NASTY[i],
        description: NASTY[(i + 2) % NASTY.length],
        price: 19.99 + i,
        quantity: i + 1,
        offerShipping: i % 2 === 0,
        category: "Electronics//Batteries",
      }));
      type L = {
        title: string;
        description: string;
        price: number;
        quantity: number;
        offerShipping: boolean;
        sku: string;
        category: string;
        condition: string;
        status: string;
      };
      const before = (
        await call<{ items: L[] }>(api, "GET", "/v1/listings?limit=100&sort=title:asc", {
          token: s.accessToken,
        })
      ).body.items;
      const { bytes } = await exportRaw(s, { format });
      const fresh = await signUp(api);
      const up = await upload<{ id: string; counts: Record<string, number>; status: string }>(
        api,
        "/v1/imports",
        { name: `export.${format}`, bytes },
        { token: fresh.accessToken },
      );
      expect(up.body.status).toBe("previewed");
      expect(up.body.counts.reject).toBe(0);
      await call(api, "POST", `/v1/imports/${up.body.id}/commit`, {
        token: fresh.accessToken,
        body: {},
      });
      await waitFor(
        async () =>
          (
            await call<{ status: string }>(api, "GET", `/v1/imports/${up.body.id}`, {
              token: fresh.accessToken,
            })
          ).body.status === "committed",
      );
      const after = (
        await call<{ items: L[] }>(api, "GET", "/v1/listings?limit=100&sort=title:asc", {
          token: fresh.accessToken,
        })
      ).body.items;
      // XML parsers normalise CRLF to LF, so inside XLSX cells a CRLF comes back as LF.
      const text = (v: string) => (format === "xlsx" ? v.replace(/\r\n/g, "\n") : v);
      const pick = (l: L) => ({
        title: text(l.title),
        description: text(l.description),
        price: l.price,
        quantity: l.quantity,
        offerShipping: l.offerShipping,
        sku: l.sku,
        category: l.category,
        condition: l.condition,
        status: l.status,
      });
      expect(after.map(pick)).toEqual(before.map(pick));
    },
  );
});
