import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { OcrEngine } from "../src/engine";
import { OcrError } from "../src/errors";
import { processScan } from "../src/process-scan";
import { imageOnlyPdf } from "./make-fixtures";

/** An engine whose every page runs out of time (pages of noise built to be slow to read). */
function timingOutEngine(): OcrEngine & { calls: number } {
  const engine = {
    calls: 0,
    size: 1,
    closed: false,
    async recognize() {
      engine.calls++;
      await new Promise((r) => setTimeout(r, 50));
      throw new OcrError("TIMEOUT", "OCR of one page took longer than 50 ms.");
    },
    async close() {},
  };
  return engine as unknown as OcrEngine & { calls: number };
}

describe("a PDF whose page cannot be read", () => {
  it("fails at that page instead of reading every page after it", async () => {
    const png = await sharp({
      create: { width: 120, height: 160, channels: 3, background: "#ffffff" },
    })
      .png()
      .toBuffer();
    const pdf = await imageOnlyPdf(Array.from({ length: 8 }, () => png));
    const engine = timingOutEngine();
    await expect(processScan({ bytes: pdf, engine })).rejects.toMatchObject({ code: "TIMEOUT" });
    // The page that failed and at most the one prepared beside it.
    expect(engine.calls).toBeLessThanOrEqual(engine.size + 1);
  }, 60_000);
});
