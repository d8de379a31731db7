import { buffer } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { bytesOf, unzip } from "../../test/helpers";
import { exportListings } from "./export-listings";
import { writeXlsx } from "./xlsx";
import { writeXlsxTable } from "./xlsx-table";

/** The sheet names a workbook's xl/workbook.xml lists (XML entities decoded). */
async function sheetNames(xlsx: Buffer): Promise<string[]> {
  const wb = (await unzip(xlsx)).get("xl/workbook.xml")?.toString("utf8") ?? "";
  return [...wb.matchAll(/<sheet\b[^>]*\bname="([^"]*)"/g)].map((m) =>
    (m[1] ?? "")
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&quot;", '"')
      .replaceAll("&apos;", "'")
      .replaceAll("&amp;", "&"),
  );
}

/** Excel's rules for the sheet names of one workbook. */
function expectValidNames(names: string[]) {
  for (const n of names) {
    expect(n.trim()).not.toBe("");
    expect(n.length).toBeLessThanOrEqual(31);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for those characters is the point
    expect(n).not.toMatch(/[:\\/?*[\]\x00-\x1F\x7F]/);
    expect(n).not.toMatch(/^'|'$/);
    expect(n.toLowerCase()).not.toBe("history");
  }
  const lower = names.map((n) => n.toLowerCase());
  expect(new Set(lower).size).toBe(lower.length);
}

async function* none() {}

describe("xlsx sheet names", () => {
  it("writes a table's sheet under a name Excel accepts", async () => {
    for (const sheetName of [
      "Prices: EUR/GBP [draft] *final?* and a name much longer than Excel allows",
      "\u0001\u0002",
      "'quoted'",
      "History",
    ]) {
      const names = await sheetNames(await buffer(writeXlsxTable(none(), { sheetName })));
      expectValidNames(names);
      expect(names).toHaveLength(1);
    }
  });

  it("gives every sheet of a workbook a valid name of its own", async () => {
    const xlsx = writeXlsx([
      { name: "Listings" },
      { name: "LISTINGS" },
      { name: "\u0007" },
      { name: "" },
      { name: "A very long sheet name that goes past the limit, one" },
      { name: "A very long sheet name that goes past the limit, two" },
      { name: "Costs/Margins" },
    ]);
    const names = await sheetNames(await buffer(xlsx));
    expectValidNames(names);
    expect(names).toHaveLength(7);
    expect(names.slice(0, 2)).toEqual(["Listings", "LISTINGS (2)"]);
    expect(names[6]).toBe("CostsMargins");
  });

  it("keeps the names of the sheets the exports write", async () => {
    const listings = [{ title: "Lamp", price: "12", condition: "New" }];
    const generic = await exportListings(listings, { format: "xlsx" });
    expect(await sheetNames(await bytesOf(generic))).toEqual(["Listings"]);
    const facebook = await exportListings(listings, { layout: "facebook" });
    expect(await sheetNames(await bytesOf(facebook))).toEqual([
      "Bulk Upload Template",
      "VALIDATION",
    ]);
  });
});
