import { readFileSync } from "node:fs";
import path from "node:path";
import { isOcrError } from "@mbe/ocr";
import { describe, expect, it } from "vitest";
import { OcrThread } from "./ocr/runner";

const page = new Uint8Array(
  readFileSync(
    path.join(import.meta.dirname, "../../../packages/ocr/test/fixtures/clean-price-list.png"),
  ),
);

describe("OCR thread", () => {
  it("ends a scan whose thread goes quiet past the idle timeout, then scans on a fresh thread", async () => {
    // Starting the engine alone reports nothing for longer than 100 ms.
    const impatient = new OcrThread(100);
    const started = performance.now();
    const err = await impatient
      .scan(page, () => {})
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isOcrError(err) && err.code).toBe("TIMEOUT");
    expect(performance.now() - started).toBeLessThan(5_000);
    const patient = new OcrThread();
    try {
      const result = await patient.scan(page, () => {});
      expect(result.items.length).toBeGreaterThan(5);
    } finally {
      await patient.close();
      await impatient.close();
    }
  }, 120_000);
});
