import { setTimeout as sleep } from "node:timers/promises";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { resolveLimits } from "../src/limits";
import { readPdf } from "../src/pdf";
import { imageOnlyPdf } from "./make-fixtures";

async function blankPages(n: number): Promise<Uint8Array> {
  const png = await sharp({
    create: { width: 120, height: 160, channels: 3, background: "#ffffff" },
  })
    .png()
    .toBuffer();
  return imageOnlyPdf(Array.from({ length: n }, () => png));
}

describe("reading a PDF's pages", () => {
  it("does not count the time the caller spends on each page against the PDF's deadline", async () => {
    const pdf = await blankPages(4);
    const limits = resolveLimits({ pdfTimeoutMs: 3000 });
    const seen: number[] = [];
    const started = performance.now();
    // A caller that takes 1.5 s per page (OCR under load): 6 s in all, twice the deadline.
    for await (const page of readPdf(pdf, { limits })) {
      seen.push(page.page);
      await sleep(1500);
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(performance.now() - started).toBeGreaterThan(limits.pdfTimeoutMs);
  }, 60_000);

  it("renders only as far ahead of the caller as it is allowed", async () => {
    const pdf = await blankPages(6);
    let rendered = 0;
    const heldAt: number[] = [];
    for await (const page of readPdf(pdf, {
      limits: resolveLimits(),
      ahead: 2,
      onRendered: () => rendered++,
    })) {
      // While the caller holds a page, the renderer has time to run ahead: it must stop.
      await sleep(300);
      heldAt.push(rendered - page.page);
    }
    expect(rendered).toBe(6);
    expect(Math.max(...heldAt)).toBeLessThanOrEqual(2);
  }, 60_000);

  it("still gives up on a PDF that takes longer than its deadline to read", async () => {
    const pdf = await blankPages(40);
    const pages: number[] = [];
    const read = async () => {
      for await (const page of readPdf(pdf, { limits: resolveLimits({ pdfTimeoutMs: 50 }) }))
        pages.push(page.page);
    };
    await expect(read()).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(pages.length).toBeLessThan(40);
  }, 60_000);
});
