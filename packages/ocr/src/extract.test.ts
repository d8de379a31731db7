import { describe, expect, it } from "vitest";
import { extractCandidates } from "./extract";
import type { Word } from "./types";

/** Words of printed lines, 12 px a character; `|` marks a wide gap between table cells. */
function page(lines: string[]): Word[] {
  return lines.flatMap((text, row) => {
    const words: Word[] = [];
    let x = 20;
    for (const cell of text.split("|")) {
      for (const w of cell.trim().split(/\s+/)) {
        words.push({
          text: w,
          confidence: 0.95,
          box: { x, y: 40 + row * 40, width: w.length * 12, height: 20 },
        });
        x += w.length * 12 + 12;
      }
      x += 120;
    }
    return words;
  });
}

const read = (lines: string[]) =>
  extractCandidates(page(lines), { page: 1 }).map((c) => ({
    title: c.title.value,
    price: c.price?.value,
    currency: c.currency?.value,
  }));

describe("extractCandidates", () => {
  it("reads a price list whose prices follow the name on the same line", () => {
    expect(read(["Desk lamp 12.50 EUR", "Floor lamp $45.00", "Reading lamp R$ 1.299,00"])).toEqual([
      { title: "Desk lamp", price: 12.5, currency: "EUR" },
      { title: "Floor lamp", price: 45, currency: "USD" },
      { title: "Reading lamp", price: 1299, currency: "BRL" },
    ]);
  });

  it("still reads names and prices in cells of their own", () => {
    expect(
      read(["Item | Qty | Price", "Desk lamp | 3 | $1,299.00", "Chair | 10 | 45,50 €"]),
    ).toEqual([
      { title: "Desk lamp", price: 1299, currency: "USD" },
      { title: "Chair", price: 45.5, currency: "EUR" },
    ]);
  });

  it("makes no listing of a price with no name", () => {
    expect(read(["$12.00"])).toEqual([]);
  });

  it("keeps a dot-leader price line that names its SKU, with the SKU out of the title", () => {
    const lines = [
      "Cordless Drill 18V ........ $1,249.50",
      "Garden Hose 50ft ........ $39.99",
      "Camping Lantern x3 ........ $12.00",
      "Oak Bookshelf (SKU OB-77) ........ $185",
      "Walnut Desk (SKU WD-12) ........ $240.00",
    ];
    const got = extractCandidates(page(lines), { page: 1 }).map((c) => ({
      title: c.title.value,
      price: c.price?.value,
      sku: c.sku?.value,
    }));
    expect(got).toEqual([
      { title: "Cordless Drill 18V", price: 1249.5, sku: undefined },
      { title: "Garden Hose 50ft", price: 39.99, sku: undefined },
      { title: "Camping Lantern x3", price: 12, sku: undefined },
      { title: "Oak Bookshelf", price: 185, sku: "OB-77" },
      { title: "Walnut Desk", price: 240, sku: "WD-12" },
    ]);
  });

  it("reads a SKU written in the same cell as the name and price", () => {
    const [c] = extractCandidates(page(["Oak Bookshelf SKU: OB-77 $185"]), { page: 1 });
    expect([c?.title.value, c?.price?.value, c?.sku?.value]).toEqual([
      "Oak Bookshelf",
      185,
      "OB-77",
    ]);
  });

  it("takes a bare number after dot leaders at the end of a line as the price", () => {
    expect(
      read(["Maple Chair ........ 45", "Pine Stool ........ 1,250.00", "Oak Bench ........60"]),
    ).toEqual([
      { title: "Maple Chair", price: 45, currency: "USD" },
      { title: "Pine Stool", price: 1250, currency: "USD" },
      { title: "Oak Bench", price: 60, currency: "USD" },
    ]);
  });

  it("takes no bare number as a price without leaders before it or with words after it", () => {
    expect(read(["Maple Chair 45", "Oak Bench ........ 45 cm"])).toEqual([]);
  });
});
