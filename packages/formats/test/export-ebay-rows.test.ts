import { describe, expect, it } from "vitest";
import { csvRecords, type ExportListing, exportListings } from "../src";
import { bytesOf } from "./helpers";

async function ebayFile(listings: ExportListing[]): Promise<string[][]> {
  const r = await exportListings(listings, { layout: "ebay" });
  return csvRecords((await bytesOf(r)).toString("utf8"));
}

/** The rows after the Info line and header, as header → value. */
async function ebayRows(listings: ExportListing[]) {
  const [info, header, ...rows] = await ebayFile(listings);
  return {
    info: info ?? [],
    header: header ?? [],
    rows: rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ""]))),
  };
}

const action = (row: Record<string, string>) =>
  Object.entries(row).find(([h]) => h.startsWith("*Action("))?.[1];

describe("eBay File Exchange Info line", () => {
  it("names the template of the site the Action header names", async () => {
    const { info, header } = await ebayRows([{ title: "Tea pot", price: "12", currency: "GBP" }]);
    expect(header[0]).toContain("SiteID=UK");
    expect(info).toEqual(["Info", "Version=1.0.0", "Template=fx_category_template_EBAY_UK"]);
  });

  it("keeps the US template for dollar listings", async () => {
    const { info, header } = await ebayRows([{ title: "Tea pot", price: "12", currency: "USD" }]);
    expect(header[0]).toContain("SiteID=US");
    expect(info[2]).toBe("Template=fx_category_template_EBAY_US");
  });

  it("follows a site imported with the listings", async () => {
    const { info } = await ebayRows([
      {
        title: "Teekanne",
        price: "12",
        currency: "EUR",
        marketplaceFields: { ebaySite: { SiteID: "Germany", Country: "DE", Currency: "EUR" } },
      },
    ]);
    expect(info[2]).toBe("Template=fx_category_template_EBAY_DE");
  });
});

describe("eBay ItemID and action", () => {
  it("revises a listing whose ItemID comes from an extra column", async () => {
    const { rows } = await ebayRows([
      { title: "Lamp", price: "5", marketplaceFields: { ebayExtra: { ItemID: "110123456789" } } },
    ]);
    expect(action(rows[0] ?? {})).toBe("Revise");
    expect(rows[0]?.ItemID).toBe("110123456789");
  });

  it("leaves ItemID empty on a row whose action is Add", async () => {
    const { rows } = await ebayRows([
      {
        title: "Lamp",
        price: "5",
        marketplaceFields: { action: "Add", ebayExtra: { ItemID: "110123456789" } },
      },
      { title: "Desk", price: "9", marketplaceFields: { action: "Add", itemId: "110987654321" } },
    ]);
    expect(rows.map((r) => [action(r), r.ItemID])).toEqual([
      ["Add", ""],
      ["Add", ""],
    ]);
  });

  it("writes the ItemID of a listing revised or ended by its own action", async () => {
    const { rows } = await ebayRows([
      { title: "Lamp", price: "5", marketplaceFields: { itemId: "110123456789" } },
      { title: "Desk", price: "9", marketplaceFields: { action: "End", itemId: "110987654321" } },
      { title: "Chair", price: "3" },
    ]);
    expect(rows.map((r) => [action(r), r.ItemID])).toEqual([
      ["Revise", "110123456789"],
      ["End", "110987654321"],
      ["Add", ""],
    ]);
  });
});

describe("eBay Info line for numeric site ids", () => {
  it("names the template of a site given by its number", async () => {
    const r = await exportListings([{ title: "Tee", price: "5" }], {
      layout: "ebay",
      ebay: { actionParams: { SiteID: "3", Currency: "GBP" } },
    });
    const [info] = await csvRecords((await bytesOf(r)).toString("utf8"));
    expect(info?.[2]).toBe("Template=fx_category_template_EBAY_UK");
  });
});
