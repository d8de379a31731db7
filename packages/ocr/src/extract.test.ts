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
});
