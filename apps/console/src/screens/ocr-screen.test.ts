import { describe, expect, it } from "vitest";
import { confidencePct, itemProblem, type ScanItem, scanProgress } from "./ocr-screen";

const item = (p: Partial<ScanItem>): ScanItem => ({
  title: "Cordless Drill",
  currency: "USD",
  description: "",
  ...p,
});

describe("OCR review helpers", () => {
  it("flags items the API would refuse before saving them", () => {
    expect(itemProblem(item({ price: 129.99, quantity: 4 }))).toBeNull();
    expect(itemProblem(item({ title: "  " }))).toMatch(/title/);
    expect(itemProblem(item({ price: Number.NaN }))).toMatch(/Price/);
    expect(itemProblem(item({ currency: "usd" }))).toMatch(/Currency/);
    expect(itemProblem(item({ quantity: 1.5 }))).toMatch(/whole/);
  });

  it("reads page progress only when the worker reported it", () => {
    expect(scanProgress({ progress: { page: 3, pages: 4 } })).toEqual({ processed: 3, total: 4 });
    expect(scanProgress({ progress: null })).toBeNull();
    expect(scanProgress({})).toBeNull();
    expect(confidencePct(0.91)).toBeCloseTo(91);
    expect(confidencePct(87)).toBe(87);
  });
});
