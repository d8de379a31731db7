import { describe, expect, it } from "vitest";
import type { RawRow } from "../read/csv";
import { createEbayMapper } from "./ebay-map";
import { suggestMapping } from "./fields";
import { importListings } from "./import-listings";

describe("suggestMapping", () => {
  it("maps Price, not the Cost column before it, to the price", () => {
    expect(suggestMapping(["SKU", "Name", "Cost", "Price", "Qty"])).toEqual({
      SKU: "sku",
      Name: "title",
      Cost: "ignore",
      Price: "price",
      Qty: "quantity",
    });
  });

  it("prefers the plain name of a field over a looser synonym placed first", () => {
    expect(suggestMapping(["Type", "Category", "Variant SKU", "SKU", "Item", "Title"])).toEqual({
      Type: "ignore",
      Category: "category",
      "Variant SKU": "ignore",
      SKU: "sku",
      Item: "ignore",
      Title: "title",
    });
    // A looser synonym alone still maps, and the first column wins a tie.
    expect(suggestMapping(["Cost", "Notes"])).toEqual({ Cost: "price", Notes: "ignore" });
    expect(suggestMapping(["Price (USD)", "Price (EUR)"])).toEqual({
      "Price (USD)": "price",
      "Price (EUR)": "ignore",
    });
  });
});

describe("eBay Revise rows", () => {
  const headers = [
    "*Action(SiteID=US|Country=US|Currency=USD|Version=1193)",
    "ItemID",
    "CustomLabel",
    "*Category",
    "*Title",
    "*Description",
    "*ConditionID",
    "*StartPrice",
    "*Quantity",
    "PicURL",
  ];
  const row = (values: string[]): RawRow => ({ row: 2, values });

  it("carry only the fields they fill in, so an update keeps the rest", () => {
    const map = createEbayMapper(headers);
    const l = map(row(["Revise", "110012345678", "SKU-1", "", "", "", "", "", "7", ""]));
    expect(l.ok).toBe(true);
    expect(l.listing).toEqual({
      currency: "USD",
      sku: "SKU-1",
      quantity: 7,
      marketplaceFields: {
        action: "Revise",
        itemId: "110012345678",
        ebaySite: { SiteID: "US", Country: "US", Currency: "USD", Version: "1193" },
      },
    });
  });

  it("still give an Add row every field, blanks included", () => {
    const map = createEbayMapper(headers);
    const l = map(row(["Add", "", "SKU-2", "31388", "Lamp", "", "3000", "12.00", "1", ""]));
    expect(l.ok).toBe(true);
    expect(l.listing).toMatchObject({
      title: "Lamp",
      price: "12.00",
      condition: "Used",
      description: "",
      sku: "SKU-2",
      imageUrls: [],
    });
  });
});

describe("the mapping of a JSON import", () => {
  it("covers the keys that first appear after the first record", async () => {
    const json = JSON.stringify([
      { title: "Lamp", price: 10 },
      { title: "Desk", price: 90, sku: "D-1", qty: 2 },
    ]);
    const s = await importListings({ bytes: Buffer.from(json) });
    const listings = [];
    for await (const l of s.listings) listings.push(l.listing);
    expect(listings[1]).toMatchObject({ sku: "D-1", quantity: 2 });
    // The mapping a commit reads the file again with maps what the dry run mapped.
    expect(s.mapping).toEqual({ title: "title", price: "price", sku: "sku", qty: "quantity" });
  });

  it("keeps mapping a field from the key that mapped it first as later keys arrive", async () => {
    const json = JSON.stringify([
      { title: "Lamp", cost: "10" },
      { title: "Desk", cost: "90", price: "120" },
    ]);
    const s = await importListings({ bytes: Buffer.from(json) });
    const prices = [];
    for await (const l of s.listings) prices.push(l.listing?.price);
    expect(prices).toEqual(["10", "90"]);
    expect(s.mapping).toEqual({ title: "title", cost: "price", price: "ignore" });
  });
});

describe("the sample values of an import", () => {
  it("gives every column its first non-empty value, trimmed and cut short", async () => {
    const long = "x".repeat(200);
    const csv = `Name,Cost,Notes,Empty\n  Lamp  ,,,\nDesk,90,${long},\nChair,5,later,\n`;
    const s = await importListings({ bytes: Buffer.from(csv), fileName: "stock.csv" });
    for await (const _ of s.listings);
    expect({ ...s.samples }).toEqual({ Name: "Lamp", Cost: "90", Notes: "x".repeat(80) });
  });

  it("looks only at the first rows", async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => `T${i},${i === 1200 ? "7" : ""}`);
    const s = await importListings({
      bytes: Buffer.from(`title,price\n${rows.join("\n")}\n`),
      fileName: "late.csv",
    });
    for await (const _ of s.listings);
    expect({ ...s.samples }).toEqual({ title: "T0" });
  });

  it("covers a JSON key that first appears after the first record", async () => {
    const json = JSON.stringify([{ title: "Lamp" }, { title: "Desk", sku: "D-1" }]);
    const s = await importListings({ bytes: Buffer.from(json) });
    for await (const _ of s.listings);
    expect({ ...s.samples }).toEqual({ title: "Lamp", sku: "D-1" });
  });
});
