import { csvRecords } from "@mbe/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type Seller, signUp, type TestApi } from "../../test/harness";

/*
 * A listing's extra marketplace columns (`ebayExtra`, `shopifyExtra`) and item specifics may be
 * named like a column the layout writes itself, or like each other in another case. The file
 * still names each column once, as the marketplace and the import read headers.
 */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000", EXPORTS_PER_HOUR: "1000" });
});
afterAll(() => api.close());

async function insert(s: Seller, title: string, fields: Record<string, unknown>) {
  const sql = api.db.sql;
  if (!sql) throw new Error("needs PostgreSQL");
  await sql`insert into listings (owner_id, title, price, sku, category, condition, status, marketplace_fields)
    values (${s.id}, ${title}, 10, ${title.toUpperCase()}, '31388', 'New', 'active',
      ${JSON.stringify(fields)}::jsonb)`;
}

/** The header and data rows of an exported csv, read by the importer's own parser. */
async function exported(s: Seller, marketplace: string) {
  const res = await api.app.request("/v1/exports", {
    method: "POST",
    headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ marketplace }),
  });
  expect(res.status).toBe(200);
  const rows = await csvRecords(await res.text());
  const at = rows.findIndex((r) => r.some((h) => /^\*?title$/i.test(h)));
  return { header: rows[at] ?? [], rows: rows.slice(at + 1) };
}

const repeated = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);

describe("exports with extra columns named like other columns", () => {
  it("writes each eBay header once", async () => {
    const s = await signUp(api);
    await insert(s, "camera", {
      itemSpecifics: { Brand: "Canon" },
      ebayExtra: { Title: "Shadow", "C:Brand": "Shadow brand", Gift: "Yes" },
    });
    await insert(s, "lens", { itemSpecifics: { brand: "Nikon" }, ebayExtra: { gift: "No" } });
    const { header, rows } = await exported(s, "ebay");
    const ids = header.map((h) => {
      const t = h.trim().replace(/^\*/, "").toLowerCase();
      return t.startsWith("action") ? "action" : t.replace(/^c:\s*/, "c:");
    });
    expect(repeated(ids)).toEqual([]);
    const cell = (title: string, id: string) =>
      rows.find((r) => r[ids.indexOf("title")] === title)?.[ids.indexOf(id)];
    expect([cell("camera", "c:brand"), cell("camera", "gift")]).toEqual(["Canon", "Yes"]);
    expect([cell("lens", "c:brand"), cell("lens", "gift")]).toEqual(["Nikon", "No"]);
  });

  it("writes each Shopify header once", async () => {
    const s = await signUp(api);
    await insert(s, "shirt", {
      shopifyExtra: { title: "Shadow", Vendor: "Acme", Fabric: "Linen" },
    });
    await insert(s, "hat", { shopifyExtra: { fabric: "Wool" } });
    const { header, rows } = await exported(s, "shopify");
    const ids = header.map((h) => h.trim().toLowerCase());
    expect(repeated(ids)).toEqual([]);
    const cell = (title: string, id: string) =>
      rows.find((r) => r[ids.indexOf("title")] === title)?.[ids.indexOf(id)];
    expect([cell("shirt", "vendor"), cell("shirt", "fabric")]).toEqual(["Acme", "Linen"]);
    expect(cell("hat", "fabric")).toBe("Wool");
  });
});
