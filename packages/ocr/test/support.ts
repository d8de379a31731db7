import { afterAll, beforeAll } from "vitest";
import { createOcrEngine, type OcrEngine } from "../src/index";

/**
 * One OCR engine for a test file: started before its tests, closed after them. Read it as
 * `.engine` inside the tests (it does not exist before they start).
 */
export function engineForTests(workers = 1): { readonly engine: OcrEngine } {
  const started = {} as { engine: OcrEngine };
  beforeAll(async () => {
    started.engine = await createOcrEngine({ workers });
  }, 60_000);
  afterAll(async () => {
    await started.engine.close();
  });
  return started;
}

/**
 * A PDF written object by object (Latin-1 text or raw bytes), with a cross-reference table that
 * points at each one, so tests can make files that lie about their pages and streams.
 */
export function rawPdf(objects: Array<string | Uint8Array>): Uint8Array {
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
