import { randomUUID } from "node:crypto";
import { csvRecords } from "@mbe/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type Seller, signUp, type TestApi, waitFor } from "../../test/harness";
import { unzip } from "../../test/unzip";

/*
 * The eBay and Shopify layouts write back the columns of imported files they have no place for
 * (`marketplaceFields.ebayExtra` / `shopifyExtra`), and eBay its item specifics (`itemSpecifics`,
 * written as `C:` columns). The header is written before the first row, so
 * it must name every such column of the whole selection, not only of the listings read first, and
 * never one of another seller's listings or of listings outside the selection.
 */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000", EXPORTS_PER_HOUR: "1000" },
    { workers: true },
  );
});
afterAll(() => api.close());

const HEAD = 1000;

/** Sorts after every random id, so the listing is read after the first 1,000. */
const lateId = () => `ffffffff-ffff-4fff-bfff-${randomUUID().slice(-12)}`;

function rawSql() {
  const sql = api.db.sql;
  if (!sql) throw new Error("needs PostgreSQL");
  return sql;
}

/**
 * 1,000 listings that all carry the extra column `Common`, then one read after them carrying two
 * columns no earlier listing has; one more (cheaper than the filter's minimum price) carries a
 * column of its own.
 */
async function seed(s: Seller, field: string) {
  const sql = rawSql();
  await sql`insert into listings (owner_id, title, price, sku, condition, status, marketplace_fields)
    select ${s.id}, 'Item ' || g, 10 + g % 90, 'SKU-' || g, 'New', 'active',
      jsonb_build_object(${field}::text, jsonb_build_object('Common', 'c' || g))
    from generate_series(1, ${HEAD}) g`;
  await sql`insert into listings (id, owner_id, title, price, sku, condition, status, marketplace_fields)
    values (${lateId()}, ${s.id}, 'Late item', 50, 'SKU-LATE', 'New', 'active',
      ${JSON.stringify({ [field]: { "Z Late": "zed value", "A Late": "late value" } })}::jsonb)`;
  await sql`insert into listings (owner_id, title, price, sku, condition, status, marketplace_fields)
    values (${s.id}, 'Cheap item', 1, 'SKU-CHEAP', 'New', 'active',
      ${JSON.stringify({ [field]: { "Outside Selection": "x" } })}::jsonb)`;
}

/** A seller whose only listing, read last, carries an extra column nobody else has. */
async function seedOther(field: string) {
  const other = await signUp(api);
  await rawSql()`insert into listings (id, owner_id, title, price, status, marketplace_fields)
    values (${lateId()}, ${other.id}, 'Other seller item', 20, 'active',
      ${JSON.stringify({ [field]: { "Other Seller Column": "secret" } })}::jsonb)`;
}

async function exportCsv(s: Seller, marketplace: string, mode: string): Promise<string> {
  const res = await api.app.request("/v1/exports", {
    method: "POST",
    headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ marketplace, mode, selection: { filter: { priceMin: 10 } } }),
  });
  if (mode === "auto") {
    expect(res.status).toBe(200);
    expect(res.headers.get("x-total-count")).toBe(String(HEAD + 1));
    return res.text();
  }
  return (await jobFile(s, res)).text();
}

/** The file of an export queued as a job (the 202 answer given), once it completes. */
async function jobFile(s: Seller, queued: Response): Promise<Response> {
  expect(queued.status).toBe(202);
  const { id } = (await queued.json()) as { id: string };
  const url = await waitFor(async () => {
    const r = await api.app.request(`/v1/exports/${id}`, {
      headers: { authorization: `Bearer ${s.accessToken}` },
    });
    const body = (await r.json()) as { status: string; downloadUrl: string | null };
    if (body.status === "failed") throw new Error("export failed");
    return body.status === "completed" ? body.downloadUrl : undefined;
  }, 60_000);
  const file = await api.app.request(url as string);
  expect(file.status).toBe(200);
  return file;
}

describe.each([
  { marketplace: "ebay", field: "ebayExtra", title: "*Title", prefix: "" },
  { marketplace: "ebay", field: "itemSpecifics", title: "*Title", prefix: "C:" },
  { marketplace: "shopify", field: "shopifyExtra", title: "Title", prefix: "" },
])("$marketplace export $field columns", ({ marketplace, field, title, prefix }) => {
  it.each(["auto", "job"])(
    "names those of a listing after the first 1,000, only the selection's (%s)",
    async (mode) => {
      const s = await signUp(api);
      await seed(s, field);
      await seedOther(field);
      const rows = await csvRecords(await exportCsv(s, marketplace, mode));
      const headerAt = rows.findIndex((r) => r.includes(title));
      // Item specifics are written as `C:<name>`.
      const header = (rows[headerAt] ?? []).map((h) =>
        prefix && h.startsWith(prefix) ? h.slice(prefix.length) : h,
      );
      // Those of the first 1,000 listings stay first, the others follow sorted.
      const common = header.indexOf("Common");
      expect(common).toBeGreaterThan(0);
      expect(header.slice(common, common + 3)).toEqual(["Common", "A Late", "Z Late"]);
      expect(header).not.toContain("Other Seller Column");
      expect(header).not.toContain("Outside Selection");

      const data = rows.slice(headerAt + 1).filter((r) => r.length === header.length);
      expect(data.length).toBe(HEAD + 1);
      const late = data.find((r) => r[header.indexOf(title)] === "Late item");
      expect(late?.[header.indexOf("A Late")]).toBe("late value");
      expect(late?.[header.indexOf("Z Late")]).toBe("zed value");
      expect(late?.[common]).toBe("");
      const first = data.find((r) => r[header.indexOf(title)] === "Item 1");
      expect(first?.[common]).toBe("c1");
    },
    90_000,
  );
});

describe("eBay export of several currencies", () => {
  /** The `*Action(…)` header and the titles of one File Exchange CSV. */
  const fileExchange = async (csv: string) => {
    const rows = await csvRecords(csv);
    const header = rows.find((r) => r.includes("*Title")) ?? [];
    const at = header.indexOf("*Title");
    return {
      action: header[0] ?? "",
      titles: rows
        .slice(rows.indexOf(header) + 1)
        .map((r) => r[at])
        .filter(Boolean)
        .sort(),
    };
  };

  it.each(["auto", "job"])(
    "writes one File Exchange file per currency in a zip, each stating its own (%s)",
    async (mode) => {
      const s = await signUp(api);
      await rawSql()`insert into listings (owner_id, title, price, currency, status)
        values (${s.id}, 'Dollar one', 10, 'USD', 'active'), (${s.id}, 'Dollar two', 12, 'USD', 'active'),
          (${s.id}, 'Euro one', 15, 'EUR', 'active'), (${s.id}, 'Pound one', 20, 'GBP', 'active')`;
      const res = await api.app.request("/v1/exports", {
        method: "POST",
        headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ marketplace: "ebay", mode }),
      });
      let bytes: Buffer;
      if (mode === "auto") {
        expect(res.status).toBe(200);
        expect(res.headers.get("content-disposition")).toMatch(/\.zip"?$/);
        bytes = Buffer.from(await res.arrayBuffer());
      } else {
        const file = await jobFile(s, res);
        expect(file.headers.get("content-disposition")).toMatch(/\.zip"?$/);
        bytes = Buffer.from(await file.arrayBuffer());
      }
      const files = unzip(bytes);
      const byCurrency = new Map(
        await Promise.all(
          [...files].map(
            async ([name, data]) =>
              [
                /-([A-Z]{3})\.csv$/.exec(name)?.[1],
                await fileExchange(data.toString("utf8")),
              ] as const,
          ),
        ),
      );
      expect([...byCurrency.keys()].sort()).toEqual(["EUR", "GBP", "USD"]);
      expect(byCurrency.get("USD")?.titles).toEqual(["Dollar one", "Dollar two"]);
      expect(byCurrency.get("EUR")?.titles).toEqual(["Euro one"]);
      expect(byCurrency.get("GBP")?.titles).toEqual(["Pound one"]);
      for (const [currency, file] of byCurrency)
        expect(file.action).toContain(`Currency=${currency}`);
    },
    90_000,
  );

  it("keeps a single-currency selection one CSV", async () => {
    const s = await signUp(api);
    await rawSql()`insert into listings (owner_id, title, price, currency, status)
      values (${s.id}, 'Euro one', 15, 'EUR', 'active'), (${s.id}, 'Euro two', 16, 'EUR', 'active')`;
    const res = await api.app.request("/v1/exports", {
      method: "POST",
      headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ marketplace: "ebay" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/\.csv"?$/);
    const file = await fileExchange(await res.text());
    expect(file.action).toContain("Currency=EUR");
    expect(file.titles).toEqual(["Euro one", "Euro two"]);
  });
});
