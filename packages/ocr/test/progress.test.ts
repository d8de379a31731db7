import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { processScan, type ScanProgress } from "../src/index";
import { imageOnlyPdf } from "./make-fixtures";
import { engineForTests } from "./support";

const ocr = engineForTests();

describe("a scan's progress", () => {
  it("never reports an earlier page than one it reported before", async () => {
    const png = await sharp({
      create: { width: 120, height: 160, channels: 3, background: "#ffffff" },
    })
      .png()
      .toBuffer();
    // Scanned pages: each is rendered, then read by the engine while the next one renders.
    const pdf = await imageOnlyPdf([png, png, png, png]);
    const seen: ScanProgress[] = [];
    const result = await processScan({
      bytes: pdf,
      engine: ocr.engine,
      onProgress: (p) => seen.push(p),
    });
    expect(result.pageCount).toBe(4);
    const pages = seen.map((p) => p.page);
    expect(pages).toEqual([...pages].sort((a, b) => a - b));
    expect(pages.at(-1)).toBe(4);
    expect(seen.at(-1)?.stage).toBe("done");
  }, 120_000);
});
