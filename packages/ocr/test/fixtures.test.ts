import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOcrEngine,
  type OcrEngine,
  processScan,
  type ScanResult,
  wordAccuracy,
} from "../src/index";
import { imageOnlyPdf } from "./make-fixtures";

const dir = join(import.meta.dirname, "fixtures");

interface Expected {
  file: string;
  items: Array<{
    title: string;
    price: number;
    currency: string;
    quantity?: number;
    sku?: string;
    condition?: string;
  }>;
}

const cases: Array<[name: string, minAccuracy: number, source: "ocr" | "text-layer"]> = [
  ["clean-price-list", 0.97, "ocr"],
  // The same page as a phone would save it: HEIC (encoded once with libheif's heif-enc).
  ["clean-price-list-heic", 0.97, "ocr"],
  ["noisy-scan", 0.9, "ocr"],
  ["two-column-catalog", 0.97, "ocr"],
  ["text-layer", 0.99, "text-layer"],
  ["image-only", 0.97, "ocr"],
];

let engine: OcrEngine;
beforeAll(async () => {
  engine = await createOcrEngine({ workers: 2 });
}, 60_000);
afterAll(async () => {
  await engine.close();
});

describe.each(cases)("fixture %s", (name, minAccuracy, source) => {
  let result: ScanResult;
  let expected: Expected;
  beforeAll(async () => {
    expected = JSON.parse(await readFile(join(dir, `${name}.expected.json`), "utf8")) as Expected;
    result = await processScan({ bytes: await readFile(join(dir, expected.file)), engine });
  }, 120_000);

  it(`reads the text with word accuracy >= ${minAccuracy}`, async () => {
    const text = await readFile(join(dir, `${name}.expected.txt`), "utf8");
    const actual = result.pages.map((p) => p.text).join("\n");
    expect(wordAccuracy(text, actual)).toBeGreaterThanOrEqual(minAccuracy);
    expect(result.pages.every((p) => p.source === source)).toBe(true);
  });

  it("finds every expected item with title, price, currency, quantity and SKU", () => {
    for (const want of expected.items) {
      const got = result.items.find(
        (i) => i.title.value.toLowerCase() === want.title.toLowerCase(),
      );
      expect(got, want.title).toBeDefined();
      expect(got?.price?.value).toBeCloseTo(want.price, 2);
      expect(got?.currency?.value).toBe(want.currency);
      if (want.quantity !== undefined) expect(got?.quantity?.value).toBe(want.quantity);
      if (want.sku !== undefined) expect(got?.sku?.value).toBe(want.sku);
      if (want.condition !== undefined) expect(got?.condition?.value).toBe(want.condition);
      expect(got?.page).toBe(1);
      expect(got?.box.width).toBeGreaterThan(0);
    }
    expect(result.items.length).toBe(expected.items.length);
  });

  it("returns a small preview PNG whose size matches the word boxes", () => {
    for (const page of result.pages) {
      expect(page.imagePng?.byteLength ?? 0).toBeGreaterThan(1000);
      expect(page.imagePng?.byteLength ?? 0).toBeLessThan(1_000_000);
      for (const w of page.words ?? []) {
        expect(w.box.x + w.box.width).toBeLessThanOrEqual(page.width + 2);
        expect(w.box.y + w.box.height).toBeLessThanOrEqual(page.height + 2);
      }
    }
  });
});

describe("a multi-page scanned PDF", () => {
  it("prepares only as many pages at once as the engine can read, plus one", async () => {
    const page = await readFile(join(dir, "clean-price-list.png"));
    const pdf = await imageOnlyPdf(Array.from({ length: 6 }, () => page));
    let inFlight = 0;
    let most = 0;
    const result = await processScan({
      bytes: pdf,
      engine,
      onProgress: ({ stage }) => {
        if (stage === "render") most = Math.max(most, ++inFlight);
        if (stage === "ocr") inFlight--;
      },
    });
    expect(result.pages.map((p) => p.page)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.pages.every((p) => p.source === "ocr" && p.text.length > 0)).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(engine.size + 1);
  }, 180_000);
});
