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

  it.each([
    ["R$ 1.299,00", 1299, "BRL"],
    ["NZ$ 45.00", 45, "NZD"],
    ["HK$120.00", 120, "HKD"],
    ["S$ 9.90", 9.9, "SGD"],
    ["MX$ 350", 350, "MXN"],
    ["₹ 499.00", 499, "INR"],
    ["CA$ 19.99", 19.99, "CAD"],
  ])("a dollar or rupee of another country: %s → %d %s", (text, amount, currency) => {
    const p = parsePrice(text);
    expect(p?.amount).toBeCloseTo(amount, 2);
    expect(p?.currency).toBe(currency);
  });

  it.each([
    ["Desk lamp 12.50 EUR", 12.5, "EUR"],
    ["Desk lamp 12.50 each", 12.5, "USD"],
    ["Desk lamp 40 GBP", 40, "GBP"],
    ["€12.50 Audio cable", 12.5, "EUR"],
  ])("finds the price after the title on the same line: %s", (text, amount, currency) => {
    const p = parsePrice(text);
    expect(p?.amount).toBeCloseTo(amount, 2);
    expect(p?.currency).toBe(currency);
  });

  it("does not read a currency code inside a word", () => {
    expect(parsePrice("12.50 Euros")?.explicitCurrency).toBe(false);
    expect(parsePrice("Audio 40")).toBeNull();
    expect(parsePrice("Weight 2.50 kg")).toBeNull();
  });

  it("does not join a number after a word to the price that follows", () => {
    expect(parsePrice("Size 10 150.00 EUR")?.amount).not.toBe(10150);
    expect(parsePrice("Lamp: 1 299,00 €")?.amount).toBe(1299);
  });

  it("gives a currency sign after a code's number to the price that follows", () => {
    expect(parsePrice("SKU: OB-77 $185")).toMatchObject({ amount: 185, currency: "USD" });
    expect(parsePrice("NW-1001 € 40")).toMatchObject({ amount: 40, currency: "EUR" });
  });

  it("reads both decimal conventions", () => {
    expect(parseAmount("1,299")).toBe(1299);
    expect(parseAmount("1.299")).toBe(1299);
    expect(parseAmount("12,5")).toBe(12.5);
    expect(parseAmount("1.234.567,89")).toBe(1234567.89);
  });
});
