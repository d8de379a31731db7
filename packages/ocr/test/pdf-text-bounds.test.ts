import { deflateSync } from "node:zlib";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOcrEngine, type OcrEngine, processScan } from "../src/index";

let engine: OcrEngine;
beforeAll(async () => {
  engine = await createOcrEngine({ workers: 1 });
}, 60_000);
afterAll(async () => {
  await engine.close();
});

/** A one-page PDF whose page draws `content` (deflated) in Helvetica. */
function pdfWithContent(content: string): Uint8Array {
  const stream = deflateSync(Buffer.from(content, "latin1"));
  const objects: Array<string | Buffer> = [
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
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n", "latin1")];
  let length = parts[0]?.length ?? 0;
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(length);
    const chunk = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, "latin1"),
      typeof obj === "string" ? Buffer.from(obj, "latin1") : obj,
      Buffer.from("\nendobj\n", "latin1"),
    ]);
    parts.push(chunk);
    length += chunk.length;
  });
  let tail = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) tail += `${String(o).padStart(10, "0")} 00000 n \n`;
  tail += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  parts.push(Buffer.from(tail, "latin1"));
  return new Uint8Array(Buffer.concat(parts));
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
    const error = await rejection(processScan({ bytes: pdf, engine }));
    expect(error.code).toBe("PDF_TOO_COMPLEX");
    expect(error.message).toMatch(/page 1/i);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 180_000);

  it("refuses a page whose single string runs past the character bound", async () => {
    // Set small enough that the whole string lies on the page.
    const pdf = pdfWithContent(`BT /F1 0.001 Tf 10 780 Td (${"abc ".repeat(100_000)}) Tj ET`);
    const error = await rejection(processScan({ bytes: pdf, engine }));
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
    const read = await processScan({ bytes, engine, limits: { maxPageTextItems: 100 } });
    expect(read.pages[0]?.source).toBe("text-layer");
    expect(read.pages[0]?.text).toContain("Desk lamp number 19");
    const error = await rejection(processScan({ bytes, engine, limits: { maxPageTextItems: 10 } }));
    expect(error.code).toBe("PDF_TOO_COMPLEX");
  }, 120_000);
});
