import { describe, expect, it } from "vitest";
import { bytesOf, collect } from "../../test/helpers";
import {
  csvRecords,
  type ExportListing,
  exportListings,
  normalizeHeader,
  shopifyKeyForHeader,
} from "../index";
import { importListings } from "../map/import-listings";

/** The header row and data rows of an exported csv (the eBay Info line skipped). */
async function table(bytes: Buffer): Promise<{ header: string[]; rows: string[][] }> {
  const all = await csvRecords(bytes.toString("utf8"));
  const at = all[0]?.[0] === "Info" ? 1 : 0;
  return { header: all[at] ?? [], rows: all.slice(at + 1) };
}

function duplicates(ids: string[]): string[] {
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}

/** A header as eBay and the import read it: no `*`, any case, `C:` names trimmed. */
function ebayId(h: string): string {
  const t = h.trim().replace(/^\*/, "");
  if (/^action\s*(\(|$)/i.test(t)) return "action";
  if (/^c:/i.test(t)) return `c:${t.slice(2).trim().toLowerCase()}`;
  return t.toLowerCase();
}

async function reimport(bytes: Buffer) {
  return (await collect((await importListings({ bytes })).listings)).map((x) => x.listing);
}

describe("eBay export with extra names that are built-in columns", () => {
  const listings: ExportListing[] = [
    {
      title: "Camera",
      price: "10.00",
      sku: "CAM-1",
      category: "31388",
      condition: "Used",
      marketplaceFields: {
        itemSpecifics: { Brand: "Canon", Colour: "Black" },
        ebayExtra: { Title: "Shadow title", "C:Brand": "Shadow brand", Gift: "Yes" },
      },
    },
    {
      title: "Lens",
      price: "20.00",
      sku: "LENS-1",
      category: "31388",
      condition: "Used",
      marketplaceFields: {
        itemSpecifics: { brand: "Nikon" },
        ebayExtra: { "C:Colour": "Silver", "*subtitle": "A sharp lens", gift: "No" },
      },
    },
  ];

  it("writes each header once, the built-in column first", async () => {
    const { header, rows } = await table(
      await bytesOf(await exportListings(listings, { layout: "ebay" })),
    );
    expect(duplicates(header.map(ebayId))).toEqual([]);
    const cell = (row: number, name: string) =>
      rows[row]?.[header.map(ebayId).indexOf(ebayId(name))];
    expect(header.filter((h) => /^c:/i.test(h))).toEqual(["C:Brand", "C:Colour"]);
    // The seller's own title and item specific win; an empty built-in cell takes the extra's value.
    expect([cell(0, "Title"), cell(0, "C:Brand"), cell(0, "Gift")]).toEqual([
      "Camera",
      "Canon",
      "Yes",
    ]);
    expect([cell(1, "C:Brand"), cell(1, "C:Colour"), cell(1, "Subtitle"), cell(1, "Gift")]).toEqual(
      ["Nikon", "Silver", "A sharp lens", "No"],
    );
  });

  it("imports back as the same listings where the file can say it", async () => {
    const back = await reimport(await bytesOf(await exportListings(listings, { layout: "ebay" })));
    expect(back.map((l) => [l?.title, l?.marketplaceFields?.itemSpecifics])).toEqual([
      ["Camera", { Brand: "Canon", Colour: "Black" }],
      ["Lens", { Brand: "Nikon", Colour: "Silver" }],
    ]);
    expect(back.map((l) => l?.marketplaceFields?.ebayExtra)).toEqual([
      { Gift: "Yes" },
      { Gift: "No" },
    ]);
    expect(back[1]?.marketplaceFields?.subtitle).toBe("A sharp lens");
  });

  it("writes each header once when the caller names the columns of the whole selection", async () => {
    const { header } = await table(
      await bytesOf(
        await exportListings(listings, {
          layout: "ebay",
          extraColumns: ["*subtitle", "C:Brand", "C:Colour", "Gift", "Title", "gift"],
          itemSpecificColumns: ["Brand", "Colour", "brand"],
        }),
      ),
    );
    expect(duplicates(header.map(ebayId))).toEqual([]);
  });
});

describe("Shopify export with extra names that are built-in columns", () => {
  const listings: ExportListing[] = [
    {
      title: "Shirt",
      price: "25.00",
      marketplaceFields: {
        shopifyHandle: "shirt",
        shopifyExtra: {
          title: "Shadow title",
          Vendor: "Acme",
          "URL handle": "other",
          "Google Shopping / Gender": "unisex",
        },
      },
    },
    {
      title: "Hat",
      price: "15.00",
      marketplaceFields: {
        shopifyHandle: "hat",
        vendor: "Hatters",
        shopifyExtra: { "google shopping / gender": "female", Vendor: "Shadow vendor" },
      },
    },
  ];

  it("writes each header once, as the import compares them", async () => {
    const { header, rows } = await table(
      await bytesOf(await exportListings(listings, { layout: "shopify" })),
    );
    const ids = header.map((h) => shopifyKeyForHeader(h) ?? normalizeHeader(h));
    expect(duplicates(ids)).toEqual([]);
    const cell = (row: number, name: string) => rows[row]?.[header.indexOf(name)];
    expect([cell(0, "Handle"), cell(0, "Title"), cell(0, "Vendor")]).toEqual([
      "shirt",
      "Shirt",
      "Acme",
    ]);
    expect(cell(1, "Vendor")).toBe("Hatters");
    expect(header.filter((h) => /google/i.test(h))).toEqual(["Google Shopping / Gender"]);
    expect(cell(1, "Google Shopping / Gender")).toBe("female");
  });

  it("imports back as the same products where the file can say it", async () => {
    const back = await reimport(
      await bytesOf(
        await exportListings(listings, {
          layout: "shopify",
          extraColumns: ["Google Shopping / Gender", "URL handle", "Vendor", "title"],
        }),
      ),
    );
    expect(
      back.map((l) => [
        l?.title,
        l?.marketplaceFields?.shopifyHandle,
        l?.marketplaceFields?.vendor,
        l?.marketplaceFields?.shopifyExtra,
      ]),
    ).toEqual([
      ["Shirt", "shirt", "Acme", { "Google Shopping / Gender": "unisex" }],
      ["Hat", "hat", "Hatters", { "Google Shopping / Gender": "female" }],
    ]);
  });
});

describe("Shopify export handles", () => {
  it("never gives two products the same handle in another case, and writes valid handles", async () => {
    const { header, rows } = await table(
      await bytesOf(
        await exportListings(
          [
            { title: "Shirt", price: "1", marketplaceFields: { shopifyHandle: "Shirt" } },
            { title: "Shirt too", price: "2", marketplaceFields: { shopifyHandle: "shirt" } },
            { title: "Mug", price: "3", marketplaceFields: { shopifyHandle: "Blue mug!" } },
          ],
          { layout: "shopify" },
        ),
      ),
    );
    const handles = rows.map((r) => r[header.indexOf("Handle")] ?? "");
    expect(handles).toEqual(["Shirt", "shirt-2", "blue-mug"]);
    const back = await reimport(
      await bytesOf(
        await exportListings(
          [
            { title: "Shirt", price: "1", marketplaceFields: { shopifyHandle: "Shirt" } },
            { title: "Shirt too", price: "2", marketplaceFields: { shopifyHandle: "shirt" } },
          ],
          { layout: "shopify" },
        ),
      ),
    );
    expect(back.map((l) => l?.title)).toEqual(["Shirt", "Shirt too"]);
  });
});

describe("eBay export pictures", () => {
  it("writes at most eBay's 24 picture URLs, each one read back whole", async () => {
    const urls = Array.from({ length: 30 }, (_, i) => `https://img.test/${i}.jpg`);
    urls[1] = "https://img.test/a|b.jpg";
    const bytes = await bytesOf(
      await exportListings(
        [{ title: "Vase", price: "5.00", category: "1", condition: "New", imageUrls: urls }],
        { layout: "ebay" },
      ),
    );
    const { header, rows } = await table(bytes);
    const pics = (rows[0]?.[header.indexOf("PicURL")] ?? "").split("|");
    expect(pics).toHaveLength(24);
    const [back] = await reimport(bytes);
    expect(back?.imageUrls).toEqual([urls[0], "https://img.test/a%7Cb.jpg", ...urls.slice(2, 24)]);
  });
});

describe("Shopify export of a product without options", () => {
  it("writes its one variant as Option1 Name=Title, Option1 Value=Default Title", async () => {
    const { header, rows } = await table(
      await bytesOf(
        await exportListings(
          [
            {
              title: "Lamp",
              price: "5",
              sku: "L-1",
              marketplaceFields: { variants: [{ sku: "L-1", price: "5" }] },
            },
          ],
          { layout: "shopify" },
        ),
      ),
    );
    const cell = (name: string) => rows[0]?.[header.indexOf(name)];
    expect(rows).toHaveLength(1);
    expect(cell("Option1 Name")).toBe("Title");
    expect(cell("Option1 Value")).toBe("Default Title");
    expect(cell("Variant SKU")).toBe("L-1");
  });
});
