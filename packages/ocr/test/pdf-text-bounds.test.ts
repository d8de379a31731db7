import { deflateSync } from "node:zlib";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { processScan } from "../src/index";
import { engineForTests, rawPdf } from "./support";

const ocr = engineForTests();

/** A one-page PDF whose page draws `content` (deflated) in Helvetica. */
function pdfWithContent(content: string): Uint8Array {
  const stream = deflateSync(Buffer.from(content, "latin1"));
  const objects: Array<string | Uint8Array> = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    Buffer.concat([
      Buffer.from(`<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`, "latin1"),
      stream,
      Buffer.from("\nendstream", "latin1"),
    ]),
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  return rawPdf(objects);
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await promise;
    return { code: "resolved" };
  } catch (error) {
    return error as { code?: string; message?: string };
  }
}

describe("a PDF page's text layer", () => {
  it("refuses a page of a million strings with PDF_TOO_COMPLEX, naming the page, in seconds", async () => {
    // A few hundred kilobytes that expand to a million separate one-word strings.
    const pdf = pdfWithContent(
      `BT /F1 1 Tf 10 780 Td ${"(ab) Tj 0 -0.001 Td ".repeat(1_000_000)} ET`,
    );
    const started = Date.now();
    const error = await rejection(processScan({ bytes: pdf, engine: ocr.engine }));
    expect(error.code).toBe("PDF_TOO_COMPLEX");
    expect(error.message).toMatch(/page 1/i);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 180_000);

  it("refuses a page whose single string runs past the character bound", async () => {
    // Set small enough that the whole string lies on the page.
    const pdf = pdfWithContent(`BT /F1 0.001 Tf 10 780 Td (${"abc ".repeat(100_000)}) Tj ET`);
    const error = await rejection(processScan({ bytes: pdf, engine: ocr.engine }));
    expect(error.code).toBe("PDF_TOO_COMPLEX");
    expect(error.message).toMatch(/page 1.*characters/i);
  }, 180_000);

  it("honours lower bounds, and reads a page within them as before", async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const page = doc.addPage([612, 792]);
    for (let i = 0; i < 20; i++)
      page.drawText(`Desk lamp number ${i} 20.00`, { x: 40, y: 740 - i * 30, size: 14, font });
    const bytes = await doc.save();
    const read = await processScan({
      bytes,
      engine: ocr.engine,
      limits: { maxPageTextItems: 100 },
    });
    expect(read.pages[0]?.source).toBe("text-layer");
    expect(read.pages[0]?.text).toContain("Desk lamp number 19");
    const error = await rejection(
      processScan({ bytes, engine: ocr.engine, limits: { maxPageTextItems: 10 } }),
    );
    expect(error.code).toBe("PDF_TOO_COMPLEX");
  }, 120_000);
});
