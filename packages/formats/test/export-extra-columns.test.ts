import { describe, expect, it } from "vitest";
import { type ExportListing, exportListings } from "../src/index";
import { bytesOf } from "./helpers";

/** 1,000 listings with the extra column `Common`, then one with columns no earlier one has. */
function listings(field: string): ExportListing[] {
  const out: ExportListing[] = Array.from({ length: 1000 }, (_, i) => ({
    title: `Item ${i}`,
    price: "10",
    sku: `SKU-${i}`,
    marketplaceFields: { [field]: { Common: `c${i}` } },
  }));
  out.push({
    title: "Late item",
    price: "10",
    sku: "SKU-LATE",
    marketplaceFields: { [field]: { "Z Late": "zed", "A Late": "late" } },
  });
  return out;
}

/** The header and the late listing's cells (the test's cells hold no commas or quotes). */
async function exported(layout: "ebay" | "shopify", extraColumns?: string[]) {
  const field = layout === "ebay" ? "ebayExtra" : "shopifyExtra";
  const r = await exportListings(listings(field), { layout, extraColumns });
  const lines = (await bytesOf(r))
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .map((l) => l.split(","));
  const header = lines.find((l) => l.includes("Common")) ?? [];
  const late = lines.find((l) => l.includes("Late item")) ?? [];
  const cell = (name: string) => late[header.indexOf(name)];
  return { header, cell };
}

describe.each(["ebay", "shopify"] as const)("%s extra columns", (layout) => {
  it("writes those the caller names for the whole selection after the first 1,000's", async () => {
    const { header, cell } = await exported(layout, ["A Late", "Common", "Z Late"]);
    const at = header.indexOf("Common");
    expect(header.slice(at)).toEqual(["Common", "A Late", "Z Late"]);
    expect([cell("A Late"), cell("Z Late"), cell("Common")]).toEqual(["late", "zed", ""]);
  });

  it("without them, follows the first 1,000 listings", async () => {
    const { header } = await exported(layout);
    expect(header.slice(header.indexOf("Common"))).toEqual(["Common"]);
  });
});
