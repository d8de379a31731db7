import { describe, expect, it } from "vitest";
import {
  detectMarketplace,
  fieldForHeader,
  type ImportedListing,
  importListings,
  parseEbayActionHeader,
  suggestMapping,
  validateForMarketplace,
} from "../src/index";
import { collect, fixture } from "./helpers";

/** Every error that carries a suggestion: the value it suggests must be in the listing as is. */
function expectSuggestionsApplied(l: ImportedListing | undefined): void {
  const errors = (l?.problems ?? []).filter((p) => p.severity === "error" && p.suggestion);
  expect(errors.length).toBeGreaterThan(0);
  const json = JSON.stringify(l?.listing);
  for (const p of errors) expect(json, p.code).toContain(JSON.stringify(p.suggestion));
}

const EBAY = [
  "Info,Version=1.0.0,Template=fx_category_template_EBAY_US",
  "*Action(SiteID=UK|Country=GB|Currency=GBP|Version=1193|CC=UTF-8),ItemID,CustomLabel,*Category,*Title,*Description,*ConditionID,*Format,*Duration,*StartPrice,*Quantity,PicURL,C:Brand,C:Colour",
  'Add,,SKU-001,31388,Canon EOS 5D body,"<p>Great camera</p>",3000,FixedPrice,GTC,450.00,2,https://i.test/1.jpg|https://i.test/2.jpg,Canon,Black',
  "VerifyAdd,,0042,abc,x,desc,Used,Fixed,Days_99,£12,0,not-a-url,,",
  "Revise,110012345678,,,,,,,,,,,,",
  "Delete,1,,,,,,,,,,,,",
].join("\r\n");

describe("ebay import", () => {
  it("parses the Action header parts", () => {
    expect(
      parseEbayActionHeader("*Action(SiteID=US|Country=US|Currency=USD|Version=1193|CC=UTF-8)"),
    ).toEqual({
      SiteID: "US",
      Country: "US",
      Currency: "USD",
      Version: "1193",
      CC: "UTF-8",
    });
    expect(parseEbayActionHeader("Title")).toBeNull();
  });

  it("maps File Exchange rows, keeping eBay-only values in marketplaceFields", async () => {
    const s = await importListings({ bytes: Buffer.from(EBAY) });
    expect(s.marketplace).toBe("ebay");
    expect(s.table.headerRow).toBe(2);
    const [add, bad, revise, unknown] = await collect(s.listings);
    expect(add?.ok).toBe(true);
    expect(add?.row).toBe(3);
    expect(add?.listing).toMatchObject({
      title: "Canon EOS 5D body",
      price: "450.00",
      currency: "GBP",
      condition: "Used",
      description: "<p>Great camera</p>",
      sku: "SKU-001",
      quantity: 2,
      imageUrls: ["https://i.test/1.jpg", "https://i.test/2.jpg"],
      marketplaceFields: {
        action: "Add",
        ebayCategoryId: "31388",
        conditionId: "3000",
        format: "FixedPrice",
        duration: "GTC",
        itemSpecifics: { Brand: "Canon", Colour: "Black" },
        ebaySite: { SiteID: "UK", Currency: "GBP" },
      },
    });
    expect(validateForMarketplace(add?.listing ?? { title: "", price: "" }, "ebay")).toEqual([]);
    expect(bad?.listing?.sku).toBe("0042");
    const codes = Object.fromEntries((bad?.problems ?? []).map((p) => [p.column, p.code]));
    expect(codes).toMatchObject({
      "*Category": "INVALID_CATEGORY_ID",
      "*ConditionID": "INVALID_CONDITION",
      "*Format": "INVALID_FORMAT",
      "*Duration": "INVALID_DURATION",
      "*StartPrice": "PRICE_FORMAT",
      "*Quantity": "INVALID_QUANTITY",
      PicURL: "INVALID_URL",
    });
    expect(bad?.problems.find((p) => p.code === "INVALID_CONDITION")?.suggestion).toBe("3000");
    expect(revise?.ok).toBe(true);
    expect(revise?.listing?.marketplaceFields).toMatchObject({
      action: "Revise",
      itemId: "110012345678",
    });
    expect(unknown?.problems[0]).toMatchObject({ row: 6, code: "INVALID_ACTION", value: "Delete" });
  });

  it("puts the fix of every error it suggests one for into the listing when fixes are applied", async () => {
    const long = `${"Vintage brass desk lamp with green glass shade ".repeat(2)}working`;
    const csv = [
      "*Action(SiteID=US|Country=US|Currency=USD|Version=1193),*Category,*Title,*ConditionID,*Format,*Duration,*StartPrice,*Quantity",
      `Delete,31388,${long},3000,Fixed,Days_14,12.00,1`,
    ].join("\r\n");
    const [plain] = await collect((await importListings({ bytes: Buffer.from(csv) })).listings);
    expect(plain?.listing?.title).toBe(long);
    const s = await importListings({ bytes: Buffer.from(csv), applyFixes: true });
    const [l] = await collect(s.listings);
    expect(l?.problems.map((p) => p.code).sort()).toEqual([
      "INVALID_ACTION",
      "INVALID_DURATION",
      "INVALID_FORMAT",
      "TOO_LONG",
    ]);
    expect(l?.listing?.title.length).toBeLessThanOrEqual(80);
    expect(long.startsWith(l?.listing?.title ?? "?")).toBe(true);
    expect(l?.listing?.marketplaceFields).toMatchObject({
      action: "Add",
      format: "FixedPrice",
      duration: "GTC",
    });
    expectSuggestionsApplied(l);
  });
});

describe("shopify import", () => {
  it("turns the template into 2 products with their variants", async () => {
    const s = await importListings({ path: fixture("shopify-product-template.csv") });
    expect(s.detection.marketplace).toBe("shopify");
    const out = await collect(s.listings);
    expect(out).toHaveLength(2);
    const [black, example] = out;
    expect(black?.rows).toEqual([2]);
    expect(example?.rows).toEqual([3, 4, 5]);
    expect(out.every((l) => l.ok)).toBe(true);
    expect(black?.listing).toMatchObject({
      title: "Black T-Shirt OS",
      price: "19.99",
      status: "active",
      category: "Shirts",
      marketplaceFields: { shopifyHandle: "black-t-shirt-os", vendor: "Acme" },
    });
    const mf = example?.listing?.marketplaceFields as {
      variants: Array<Record<string, string>>;
      options: unknown;
    };
    expect(mf.variants.map((v) => [v.option1Value, v.sku, v.price])).toEqual([
      ['Lithograph - Height: 9" x Width: 12"', undefined, "25"],
      ["Small", "example-shirt-s", "19.99"],
      ["Medium", "example-shirt-m", "19.99"],
    ]);
    expect(mf.options).toEqual([
      { name: "Size", values: ['Lithograph - Height: 9" x Width: 12"', "Small", "Medium"] },
    ]);
    expect(example?.listing?.quantity).toBe(3);
    const bmf = black?.listing?.marketplaceFields as { variants: Array<Record<string, string>> };
    expect(bmf.variants[0]?.barcode).toBe("'3212483");
  });

  it("accepts the newer header spellings and reports bad cells", async () => {
    const csv = [
      "URL handle,Title,Description,SKU,Price,Inventory quantity,Continue selling when out of stock,Product image URL,Status",
      "mug!,Mug,<b>Nice</b>,M-1,$9.50,4,sometimes,https://i.test/m.png,live",
      "mug!,,,M-2,10,x,deny,,",
      ",,,,,,,,",
      "plate,,,P-1,3,1,deny,,active",
      "mug!,Mug again,,M-3,1,1,deny,,active",
    ].join("\n");
    const s = await importListings({ bytes: Buffer.from(csv) });
    expect(s.marketplace).toBe("shopify");
    const out = await collect(s.listings);
    expect(out.map((l) => l.rows)).toEqual([[2, 3], [5], [6]]);
    const codes = out[0]?.problems.map((p) => `${p.row}:${p.code}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        "2:INVALID_HANDLE",
        "2:INVALID_STATUS",
        "2:PRICE_FORMAT",
        "2:INVALID_INVENTORY_POLICY",
        "3:INVALID_QUANTITY",
      ]),
    );
    expect(out[0]?.problems.find((p) => p.code === "INVALID_HANDLE")?.suggestion).toBe("mug");
    expect(out[0]?.listing).toMatchObject({
      title: "Mug",
      description: "<b>Nice</b>",
      sku: "M-1",
      price: "9.50",
    });
    expect(out[1]?.problems.map((p) => p.code)).toContain("REQUIRED");
    expect(out[2]?.problems.map((p) => p.code)).toContain("DUPLICATE_HANDLE");
  });

  it("puts the fix of every error it suggests one for into the listing when fixes are applied", async () => {
    const csv = [
      "Handle,Title,Variant SKU,Variant Price,Variant Inventory Policy",
      "My Lamp!,My Lamp,L-1,20,Deny",
      "My Lamp!,,L-2,21,Continue",
    ].join("\n");
    const [plain] = await collect((await importListings({ bytes: Buffer.from(csv) })).listings);
    expect(plain?.listing?.marketplaceFields?.shopifyHandle).toBe("My Lamp!");
    const s = await importListings({ bytes: Buffer.from(csv), applyFixes: true });
    const [l] = await collect(s.listings);
    expect(l?.problems.map((p) => `${p.row}:${p.code}`)).toEqual([
      "2:INVALID_HANDLE",
      "2:INVALID_INVENTORY_POLICY",
      "3:INVALID_INVENTORY_POLICY",
    ]);
    const mf = l?.listing?.marketplaceFields as {
      shopifyHandle: string;
      variants: Array<Record<string, string>>;
    };
    expect(mf.shopifyHandle).toBe("my-lamp");
    expect(mf.variants.map((v) => v.inventoryPolicy)).toEqual(["deny", "continue"]);
    expectSuggestionsApplied(l);
  });
});

describe("generic import", () => {
  it("suggests a mapping from header synonyms, case and spacing aside", () => {
    expect(
      suggestMapping(["Item  name", "Price (USD)", "QTY", "Cost", "photo_urls", "Notes"]),
    ).toEqual({
      "Item  name": "title",
      "Price (USD)": "price",
      QTY: "quantity",
      Cost: "ignore",
      photo_urls: "imageUrls",
      Notes: "ignore",
    });
    expect(fieldForHeader("Cost")).toBe("price");
    expect(fieldForHeader("*StartPrice")).toBe("price");
  });

  it("maps rows with the suggested or an explicit mapping", async () => {
    const csv = "Item name;Cost;Qty;Extra\nChair;€ 1.234,50;3;x\n;abc;-1;y\n";
    const s = await importListings({ bytes: Buffer.from(csv) });
    expect(s.marketplace).toBe("generic");
    const [a, b] = await collect(s.listings);
    expect(a?.listing).toEqual({ title: "Chair", price: "1234.50", quantity: 3 });
    expect(b?.problems.map((p) => p.code).sort()).toEqual([
      "INVALID_PRICE",
      "INVALID_QUANTITY",
      "REQUIRED",
    ]);
    const s2 = await importListings({
      bytes: Buffer.from(csv),
      mapping: { Extra: "title", Cost: "price" },
    });
    const [c] = await collect(s2.listings);
    expect(c?.listing).toEqual({ title: "x", price: "1234.50" });
  });

  it("detects layouts from headers", () => {
    expect(detectMarketplace(["TITLE", "PRICE", "CONDITION"]).marketplace).toBe("facebook");
    expect(detectMarketplace(["Title", "Price", "Condition", "SKU"]).marketplace).toBe("generic");
    expect(detectMarketplace(["Handle", "Title", "Variant Price"]).marketplace).toBe("shopify");
    expect(detectMarketplace(["*Action(SiteID=US)", "Title"]).marketplace).toBe("ebay");
  });
});
