import { describe, expect, it } from "vitest";
import {
  ALL_COLUMNS,
  type Column,
  cellText,
  clearValue,
  columnsFor,
  layoutColumns,
  parseCell,
  type Row,
} from "./columns";
import { listing } from "./row-fixture";

const col = (key: string): Column => {
  const c = ALL_COLUMNS.find((x) => x.key === key);
  if (!c) throw new Error(key);
  return c;
};

describe("parseCell", () => {
  it("reads prices the way spreadsheets format them", () => {
    expect(parseCell(col("price"), "$1,299.50")).toEqual({ ok: true, patch: { price: 1299.5 } });
    expect(parseCell(col("price"), "USD 12")).toEqual({ ok: true, patch: { price: 12 } });
    expect(parseCell(col("price"), "12.999").ok).toBe(false);
    expect(parseCell(col("price"), "abc").ok).toBe(false);
  });

  it("reads a price typed or pasted with a decimal comma", () => {
    const price = (t: string) => parseCell(col("price"), t);
    expect(price("12,99")).toEqual({ ok: true, patch: { price: 12.99 } });
    expect(price("0,5")).toEqual({ ok: true, patch: { price: 0.5 } });
    expect(price("1.299,00 €")).toEqual({ ok: true, patch: { price: 1299 } });
    expect(price("1 299,50")).toEqual({ ok: true, patch: { price: 1299.5 } });
    expect(price("1\u202f299,50\u00a0€")).toEqual({ ok: true, patch: { price: 1299.5 } });
    expect(price("12,50 EUR")).toEqual({ ok: true, patch: { price: 12.5 } });
    // A comma before three digits groups thousands, as before.
    expect(price("1,299")).toEqual({ ok: true, patch: { price: 1299 } });
    expect(price("1,299,000.50")).toEqual({ ok: true, patch: { price: 1299000.5 } });
  });

  it("refuses a price whose separators cannot be read one way only", () => {
    for (const t of ["0,500", ",50", "1,2,3", "1.299", "1.29,5", "1,29.50", "12,", "-5"])
      expect(parseCell(col("price"), t).ok, t).toBe(false);
  });

  it("parses quantities, statuses and yes/no", () => {
    expect(parseCell(col("quantity"), "1,000")).toEqual({ ok: true, patch: { quantity: 1000 } });
    expect(parseCell(col("quantity"), "-1").ok).toBe(false);
    expect(parseCell(col("status"), "Active")).toEqual({ ok: true, patch: { status: "active" } });
    expect(parseCell(col("status"), "sold").ok).toBe(false);
    expect(parseCell(col("offerShipping"), "TRUE")).toEqual({
      ok: true,
      patch: { offerShipping: true },
    });
    expect(parseCell(col("offerShipping"), "maybe").ok).toBe(false);
  });

  it("strips only thousands separators from quantities and refuses a decimal comma", () => {
    expect(parseCell(col("quantity"), "1,5").ok).toBe(false);
    expect(parseCell(col("quantity"), "12,50").ok).toBe(false);
    expect(parseCell(col("quantity"), "1,0000").ok).toBe(false);
    expect(parseCell(col("quantity"), ",500").ok).toBe(false);
    expect(parseCell(col("quantity"), "1,000,000")).toEqual({
      ok: true,
      patch: { quantity: 1_000_000 },
    });
    expect(parseCell(col("quantity"), "12,345")).toEqual({ ok: true, patch: { quantity: 12345 } });
  });

  it("clears optional text with an empty cell but refuses an empty title", () => {
    expect(parseCell(col("category"), "  ")).toEqual({ ok: true, patch: { category: null } });
    expect(parseCell(col("title"), "").ok).toBe(false);
    expect(parseCell(col("updatedAt"), "x").ok).toBe(false);
  });

  it("writes marketplace-specific columns into marketplaceFields, keeping other keys", () => {
    const row = { marketplaceFields: { shopifyHandle: "h" } } as unknown as Row;
    expect(parseCell(col("ebayCategoryId"), "9355", row)).toEqual({
      ok: true,
      patch: { marketplaceFields: { shopifyHandle: "h", ebayCategoryId: "9355" } },
    });
    expect(
      cellText(
        { marketplaceFields: { ebayCategoryId: "9355" } } as unknown as Row,
        col("ebayCategoryId"),
      ),
    ).toBe("9355");
  });

  it("refuses to clear required fields", () => {
    const row = { marketplaceFields: {} } as unknown as Row;
    expect(clearValue(col("title"), row).ok).toBe(false);
    expect(clearValue(col("sku"), row)).toEqual({ ok: true, patch: { sku: null } });
  });
});

describe("cellText of a price", () => {
  const price = (p: number, currency: string) =>
    cellText(listing(0, { price: p, currency }), col("price"));

  it("shows whole units for a currency with no minor unit, two decimals otherwise", () => {
    expect(price(1200, "JPY")).toBe("1200");
    expect(price(15000, "KRW")).toBe("15000");
    expect(price(1200, "USD")).toBe("1200.00");
    expect(price(12.5, "EUR")).toBe("12.50");
  });

  it("keeps the decimals of a fractional amount in such a currency instead of hiding them", () => {
    expect(price(1200.5, "JPY")).toBe("1200.50");
  });
});

describe("layoutColumns", () => {
  it("applies saved order, hidden columns and widths, and shows new columns at the end", () => {
    const cols = layoutColumns(columnsFor("generic"), {
      order: ["price", "title"],
      hidden: ["description"],
      widths: { title: 500, price: 5 },
    });
    expect(cols.slice(0, 2).map((c) => c.key)).toEqual(["price", "title"]);
    expect(cols.some((c) => c.key === "description")).toBe(false);
    expect(cols.find((c) => c.key === "title")?.width).toBe(500);
    // An out-of-range width is ignored.
    expect(cols.find((c) => c.key === "price")?.width).toBe(96);
  });

  it("shows marketplace columns only for their marketplace", () => {
    expect(columnsFor("ebay").some((c) => c.key === "ebayCategoryId")).toBe(true);
    expect(columnsFor("facebook").some((c) => c.key === "ebayCategoryId")).toBe(false);
  });
});
