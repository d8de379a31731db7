import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { heicDimensions } from "../src/image";
import { createOcrEngine, type OcrErrorCode, processScan } from "../src/index";
import { engineForTests, rawPdf } from "./support";

const dir = join(import.meta.dirname, "fixtures");
const ocr = engineForTests();

async function rejectionCode(promise: Promise<unknown>): Promise<OcrErrorCode | string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe("hostile and broken uploads", () => {
  it("rejects a truncated PNG with CORRUPT_IMAGE, then still reads a real page", async () => {
    const good = await readFile(join(dir, "clean-price-list.png"));
    const broken = good.subarray(0, 400);
    expect(await rejectionCode(processScan({ bytes: broken, engine: ocr.engine }))).toBe(
      "CORRUPT_IMAGE",
    );
    const after = await processScan({ bytes: good, engine: ocr.engine });
    expect(after.items.length).toBeGreaterThan(5);
  }, 120_000);

  it("rejects a page tree of 100 000 pages with TOO_MANY_PAGES quickly", async () => {
    // Every kid points at the same page object: a tiny file that expands to a huge document.
    const pdf = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      `<< /Type /Pages /Kids [${"3 0 R ".repeat(100_000)}] /Count 100000 >>`,
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]);
    const started = Date.now();
    expect(await rejectionCode(processScan({ bytes: pdf, engine: ocr.engine }))).toBe(
      "TOO_MANY_PAGES",
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("honours a lower page limit", async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 3; i++) doc.addPage([200, 200]);
    const bytes = await doc.save();
    expect(
      await rejectionCode(processScan({ bytes, engine: ocr.engine, limits: { maxPages: 2 } })),
    ).toBe("TOO_MANY_PAGES");
  });

  it("rejects a giant page with PAGE_TOO_LARGE", async () => {
    const pdf = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 5000000 5000000] >>",
    ]);
    expect(await rejectionCode(processScan({ bytes: pdf, engine: ocr.engine }))).toBe(
      "PAGE_TOO_LARGE",
    );
  });

  it("cuts off a deflate bomb content stream without hanging or exhausting memory", async () => {
    // 400 MB of drawing operators compressed to well under a megabyte.
    const op = new TextEncoder().encode("0 0 m 1 1 l S\n".repeat(4096));
    const chunks: Buffer[] = [];
    for (let i = 0; i < 7000; i++) chunks.push(Buffer.from(op));
    const compressed = deflateSync(Buffer.concat(chunks), { level: 9 });
    const head = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
      `<< /Length ${compressed.length} /Filter /FlateDecode >>\nstream\nSTREAM_PLACEHOLDER\nendstream`,
    ]);
    // Splice the binary stream in (the xref offsets of earlier objects stay valid; pdf.js
    // rebuilds the table for the last one if needed).
    const text = Buffer.from(head).toString("latin1");
    const at = text.indexOf("STREAM_PLACEHOLDER");
    const bytes = Buffer.concat([
      Buffer.from(head.subarray(0, at)),
      compressed,
      Buffer.from(head.subarray(at + "STREAM_PLACEHOLDER".length)),
    ]);
    const started = Date.now();
    const code = await rejectionCode(
      processScan({ bytes, engine: ocr.engine, limits: { pdfTimeoutMs: 8_000, pdfMemoryMb: 256 } }),
    );
    expect(["PDF_TOO_COMPLEX", "TIMEOUT", "CORRUPT_PDF"]).toContain(code);
    expect(Date.now() - started).toBeLessThan(20_000);
    const after = await processScan({
      bytes: await readFile(join(dir, "text-layer.pdf")),
      engine: ocr.engine,
    });
    expect(after.items.length).toBe(5);
  }, 60_000);

  it("rejects a deeply nested object with a coded error", async () => {
    const nested = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const pdf = rawPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Junk ${nested} >>`,
    ]);
    const code = await rejectionCode(
      processScan({ bytes: pdf, engine: ocr.engine, limits: { pdfTimeoutMs: 8_000 } }),
    );
    expect(code).not.toBe("resolved");
    expect(code).toMatch(/^[A-Z_]+$/);
  }, 30_000);

  it("rejects calls on a closed engine with ENGINE_CLOSED", async () => {
    const closed = await createOcrEngine({ workers: 1 });
    await closed.close();
    const bytes = await readFile(join(dir, "clean-price-list.png"));
    expect(await rejectionCode(processScan({ bytes, engine: closed }))).toBe("ENGINE_CLOSED");
  }, 60_000);
  it("sizes a HEIC by its largest declared extent, so a grid of small tiles cannot hide a pixel bomb", async () => {
    const real = new Uint8Array(await readFile(join(dir, "clean-price-list.heic")));
    const size = heicDimensions(real);
    expect(size?.width).toBeGreaterThan(100);
    expect(size?.height).toBeGreaterThan(100);
    const ispe = (w: number, h: number) => {
      const b = Buffer.alloc(20);
      b.writeUInt32BE(20, 0);
      b.write("ispe", 4, "latin1");
      b.writeUInt32BE(w, 12);
      b.writeUInt32BE(h, 16);
      return b;
    };
    // A tile's extent first, the grid's 11,000 × 11,000 after it, and the four letters alone
    // (as they may occur inside image data) ignored.
    const grid = Buffer.concat([
      real.subarray(0, 64),
      ispe(512, 512),
      Buffer.from("xxxxispe\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff", "latin1"),
      ispe(11_000, 11_000),
      real.subarray(64),
    ]);
    expect(heicDimensions(grid)).toEqual({ width: 11_000, height: 11_000 });
    const started = performance.now();
    const code = await rejectionCode(
      processScan({ bytes: new Uint8Array(grid), engine: ocr.engine }),
    );
    expect(code).toBe("IMAGE_TOO_LARGE");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
