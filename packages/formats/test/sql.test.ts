import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ExportListing, exportListings, quoteIdent, quoteLiteral } from "../src/index";
import { genericListing } from "./arbitraries";
import { bytesOf } from "./helpers";

const run = promisify(execFile);

// A database of our own on the harness's server, created and dropped here.
const server = new URL(inject("databaseUrl"));
const dbName = `mbe_formats_sql_${process.pid}_${Date.now().toString(36)}`;
const adminUrl = new URL(server);
adminUrl.pathname = "/postgres";
const dbUrl = new URL(server);
dbUrl.pathname = `/${dbName}`;
let dir = "";

async function psql(url: URL, args: string[]): Promise<string> {
  const { stdout } = await run(
    "psql",
    [url.toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", ...args],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mbe-formats-sql-"));
  await psql(adminUrl, ["-c", `CREATE DATABASE ${quoteIdent(dbName)}`]);
});

afterAll(async () => {
  await psql(adminUrl, ["-c", `DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`]);
  await rm(dir, { recursive: true, force: true });
});

async function load(
  listings: ExportListing[],
  table: string,
): Promise<Array<Record<string, unknown>>> {
  const r = await exportListings(listings, { format: "sql", sql: { table, batchSize: 3 } });
  const file = join(dir, `${Math.random().toString(36).slice(2)}.sql`);
  await writeFile(file, await bytesOf(r));
  await psql(dbUrl, ["-f", file]);
  const out = await psql(dbUrl, [
    "-At",
    "-c",
    `SELECT coalesce(json_agg(json_build_object(
       'id', id, 'title', title, 'price', price::text, 'currency', currency, 'condition', condition,
       'description', description, 'category', category, 'offerShipping', offer_shipping, 'sku', sku,
       'quantity', quantity, 'imageUrls', image_urls, 'status', status,
       'marketplaceFields', marketplace_fields,
       'createdAt', (extract(epoch from created_at) * 1000)::bigint
     ) ORDER BY export_row), '[]') FROM ${quoteIdent(table)}`,
  ]);
  return JSON.parse(out) as Array<Record<string, unknown>>;
}

function expected(l: ExportListing): Record<string, unknown> {
  return {
    id: l.id ?? null,
    title: l.title,
    price: l.price,
    currency: l.currency ?? null,
    condition: l.condition ?? null,
    description: l.description ?? null,
    category: l.category ?? null,
    offerShipping: l.offerShipping ?? null,
    sku: l.sku ?? null,
    quantity: l.quantity ?? null,
    imageUrls: l.imageUrls ?? null,
    status: l.status ?? null,
    marketplaceFields: l.marketplaceFields ?? null,
    createdAt: l.createdAt ? new Date(l.createdAt).getTime() : null,
  };
}

describe("sql export", () => {
  it("quotes identifiers and literals the PostgreSQL way", () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteLiteral("it's \\ fine")).toBe("'it''s \\ fine'");
  });

  it("starts with standard_conforming_strings and creates the table", async () => {
    const r = await exportListings([{ title: "A", price: "1" }], {
      format: "sql",
      sql: { table: 'odd "name"' },
    });
    const sql = (await bytesOf(r)).toString("utf8");
    expect(sql.split("\n")[1]).toBe("SET standard_conforming_strings = on;");
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "odd ""name""" (');
    expect(sql).toContain('INSERT INTO "odd ""name"""');
  });

  it("loads with psql into a fresh database and gives back exactly the rows", async () => {
    const fixed: ExportListing[] = [
      {
        title: "Quotes ' '' \" and \\backslash\\ and $$dollar$$ -- not a comment",
        price: "1299.99",
        description: "line 1\nline 2\r\n\ttabbed 😀 👩‍👩‍👧 日本",
        imageUrls: ["https://a.test/x'y.jpg"],
        marketplaceFields: { "key'\"\\": ["v'1", 2, true], nested: { "a\nb": "c" } },
        createdAt: new Date("2024-02-29T12:34:56.789Z"),
        offerShipping: false,
        quantity: 0,
      },
      { title: "bare", price: "0" },
    ];
    expect(await load(fixed, "fixed_rows")).toEqual(fixed.map(expected));
  });

  it("round-trips random unicode listings through psql", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(genericListing("sql"), { minLength: 1, maxLength: 7 }),
        async (listings) => {
          const rows = await load(listings, `prop_${n++}`);
          expect(rows).toEqual(listings.map(expected));
        },
      ),
      { numRuns: 12 },
    );
  });
});
