import { randomUUID } from "node:crypto";
import { type CoreContext, runScan } from "@mbe/core";
import { ocrScans } from "@mbe/db";
import type { ScanResult } from "@mbe/ocr";
import type { testRuntime } from "./runtime";

/**
 * Scans for the OCR tests of one test runtime: `scanOf` makes a seller with one uploaded scan
 * (a stored three-byte file) in `status`, with `items` when finished.
 */
export function ocrScansOf(rt: Pick<ReturnType<typeof testRuntime>, "db" | "opts" | "seller">) {
  return async function scanOf(
    status: "pending" | "completed" = "pending",
    items: unknown[] = [],
    name = "Scan",
  ) {
    const { id: ownerId, ctx } = await rt.seller(name);
    const storageKey = `${ownerId}/ocr/${randomUUID()}.png`;
    await rt.opts.runtime.storage.put(storageKey, new Uint8Array([1, 2, 3]));
    const [row] = await rt.db.db
      .insert(ocrScans)
      .values({
        ownerId,
        fileName: "list.png",
        mimeType: "image/png",
        size: 3,
        storageKey,
        status,
        items,
      })
      .returning();
    if (!row) throw new Error("no scan");
    return { ctx, id: row.id, ownerId };
  };
}

/** What the scanner gives for a one-page price list ("Lamp 20.00"), with no items. */
export const onePageResult = (): ScanResult => ({
  mimeType: "image/png",
  pageCount: 1,
  pages: [
    {
      page: 1,
      text: "Lamp 20.00",
      confidence: 0.9,
      source: "ocr",
      width: 10,
      height: 10,
      imagePng: new Uint8Array([137, 80, 78, 71]),
    },
  ],
  items: [],
  processingMs: 5,
});

/**
 * Runs a scan's job with a scanner that gives {@link onePageResult} and notes whether it was
 * called: what the job answered, and whether the file was read.
 */
export async function runNotingRead(ctx: CoreContext, scanId: string) {
  let read = false;
  const out = await runScan(
    ctx,
    scanId,
    async () => {
      read = true;
      return onePageResult();
    },
    () => {},
  );
  return { out, read };
}
