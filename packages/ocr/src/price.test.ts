import { describe, expect, it } from "vitest";
import { parseAmount, parsePrice } from "./price";

describe("parsePrice", () => {
  it.each([
    ["$1,299.00", 1299, "USD"],
    ["1.299,00 €", 1299, "EUR"],
    ["1 299,00 €", 1299, "EUR"],
    ["12.50 each", 12.5, "USD"],
    ["USD 40", 40, "USD"],
    ["40 EUR", 40, "EUR"],
    ["€119,90", 119.9, "EUR"],
    ["£18.75", 18.75, "GBP"],
    ["US$ 12", 12, "USD"],
    ["Price: $45", 45, "USD"],
    ["UsD 40", 40, "USD"],
  ])("%s → %d %s", (text, amount, currency) => {
    const p = parsePrice(text);
    expect(p?.amount).toBeCloseTo(amount, 2);
    expect(p?.currency).toBe(currency);
  });

  it("uses the default currency when the text names none", () => {
    expect(parsePrice("3.75 ea", "CAD")?.currency).toBe("CAD");
  });

  it.each(["NW-1001", "22 inch", "Qty: 3", "2000 PSI", "18V", "7-1/4", "call 555-0142"])(
    "%s is not a price",
    (text) => {
      expect(parsePrice(text)).toBeNull();
    },
  );

  it("reads both decimal conventions", () => {
    expect(parseAmount("1,299")).toBe(1299);
    expect(parseAmount("1.299")).toBe(1299);
    expect(parseAmount("12,5")).toBe(12.5);
    expect(parseAmount("1.234.567,89")).toBe(1234567.89);
  });
});
