import { readFile } from "node:fs/promises";
import { type OcrScan, ocrScans } from "@mbe/db";
import { type Candidate, isOcrError, type ScanProgress, type ScanResult } from "@mbe/ocr";
import { and, eq, inArray, lte } from "drizzle-orm";
import type { CoreContext } from "../context";
import { CoreError } from "../errors";
import { newStorageKey } from "../storage/storage";
import {
  keepConverted,
  pageFields,
  SCAN_IN_PROGRESS,
  type ScanItem,
  type StoredPage,
} from "./scans";

function toItem(c: Candidate): ScanItem {
  const confidence: Record<string, number> = { title: c.title.confidence, overall: c.confidence };
  if (c.price) confidence.price = c.price.confidence;
  if (c.quantity) confidence.quantity = c.quantity.confidence;
  if (c.sku) confidence.sku = c.sku.confidence;
  return {
    title: c.title.value.slice(0, 500),
    price: c.price?.value ?? null,
    currency: /^[A-Z]{3}$/.test(c.currency?.value ?? "") ? (c.currency?.value as string) : "USD",
    quantity: c.quantity?.value ?? null,
    sku: c.sku?.value ?? null,
    condition: c.condition?.value ?? null,
    description: c.description?.value ?? "",
    page: c.page,
    box: { x: c.box.x, y: c.box.y, w: c.box.width, h: c.box.height },
    confidence,
  };
}

/**
 * The OCR job for one scan: reads the stored file, runs the pipeline (text layer or OCR per page),
 * stores page images, and saves text and items. Deterministic failures (corrupt file, PDF bomb)
 * end as `failed` with the reason; the pipeline stays usable.
 */
export async function runScan(
  ctx: CoreContext,
  scanId: string,
  /** Runs the OCR pipeline (the worker runs it in a thread, off its event loop). */
  scan: (
    bytes: Uint8Array,
    onProgress: (p: ScanProgress) => void,
    signal: AbortSignal,
  ) => Promise<ScanResult>,
  onProgress: (p: ScanProgress) => Promise<void> | void,
) {
  // Only a scan still waiting (or one whose earlier run died) is taken: one cancelled or finished
  // meanwhile is left as it is.
  const [row] = await ctx.db
    .update(ocrScans)
    .set({ status: "processing", error: null, updatedAt: new Date() })
    .where(and(eq(ocrScans.id, scanId), inArray(ocrScans.status, SCAN_IN_PROGRESS)))
    .returning();
  if (!row) return { skipped: true };
  let bytes: Uint8Array;
  try {
    const local = await ctx.storage.localFile(row.storageKey);
    try {
      bytes = new Uint8Array(await readFile(local.path));
    } finally {
      await local.release();
    }
  } catch (err) {
    // A scan deleted since it was taken has lost its file with it: there is nothing to read.
    const [still] = await ctx.db
      .select({ id: ocrScans.id })
      .from(ocrScans)
      .where(eq(ocrScans.id, scanId));
    if (!still) return { skipped: true };
    throw err;
  }
  // A seller's cancel (or delete) is seen at the next page: the scanner is told to stop at once.
  const abort = new AbortController();
  let lastCheck = 0;
  const checkCancelled = async () => {
    if (Date.now() - lastCheck < 500 || abort.signal.aborted) return;
    lastCheck = Date.now();
    const [now] = await ctx.db
      .select({ status: ocrScans.status })
      .from(ocrScans)
      .where(eq(ocrScans.id, scanId));
    // Cancelled, or deleted by the seller: nothing will read this run's results.
    if (!now || now.status === "failed") abort.abort();
  };
  try {
    const result = await scan(
      bytes,
      (p) => {
        // Progress is best-effort: a refused update (Redis gone at shutdown) must not crash.
        void Promise.resolve(onProgress(p)).catch(() => {});
        void checkCancelled().catch(() => {});
      },
      abort.signal,
    );
    const pages: StoredPage[] = [];
    /** This run's page images; removed again unless the scan ends up pointing at them. */
    const dropImages = async (list: StoredPage[]) => {
      for (const p of list)
        if (p.imageKey) await ctx.storage.delete(p.imageKey).catch(() => undefined);
    };
    let done: { id: string } | undefined;
    try {
      for (const p of result.pages) {
        let imageKey: string | undefined;
        if (p.imagePng) {
          imageKey = newStorageKey(row.ownerId, "ocr-pages", ".png");
          await ctx.storage.put(imageKey, p.imagePng);
        }
        pages.push({ ...pageFields(p), imageKey });
      }
      // A scan cancelled while it ran keeps its cancelled state; its results are discarded.
      [done] = await ctx.db
        .update(ocrScans)
        .set({
          status: "completed",
          pageCount: result.pageCount,
          pages,
          // Items an earlier run found and the seller converted stay marked as listings.
          items: keepConverted(row.items as ScanItem[], result.items.map(toItem)),
          processingMs: Math.round(result.processingMs),
          mimeType: result.mimeType,
          updatedAt: new Date(),
        })
        .where(and(eq(ocrScans.id, scanId), eq(ocrScans.status, "processing")))
        .returning({ id: ocrScans.id });
    } catch (err) {
      await dropImages(pages);
      throw err;
    }
    if (!done) {
      await dropImages(pages);
      return { cancelled: true };
    }
    // A run again (rerun) replaced the pages of the run before it: their images go too.
    await dropImages(row.pages as StoredPage[]);
    return { pages: result.pageCount, items: result.items.length };
  } catch (err) {
    if (abort.signal.aborted) return { cancelled: true };
    if (isOcrError(err)) {
      await markScanFailed(ctx, scanId, `${err.code}: ${err.message}`);
      return { failed: err.code };
    }
    throw err;
  }
}

/**
 * Marks a scan failed after its last attempt threw. The seller reads why in general terms (the
 * error itself may name a file on the server) and the log keeps it whole. Only a scan still
 * processing is failed: one cancelled, finished, deleted or queued again (`rerun`) meanwhile is
 * left as it is.
 */
export async function failScan(ctx: CoreContext, scanId: string, err: unknown) {
  ctx.log.error({ scanId, err: (err as Error)?.message ?? String(err) }, "scan failed");
  const message = isOcrError(err)
    ? `${err.code}: ${err.message}`
    : err instanceof CoreError
      ? `OCR_FAILED: ${err.message}`
      : "OCR_FAILED: The scan could not be processed; try again";
  return markScanFailed(ctx, scanId, message);
}

/**
 * Marks a scan failed with `message`, if it is in one of `guard.statuses` (by default only while
 * processing); `ownerId` and `failedAt` bound it for callers acting for no seller (the failed-jobs
 * sweep): only that owner's scan, not touched since the job failed. True when it changed.
 */
export async function markScanFailed(
  ctx: Pick<CoreContext, "db">,
  scanId: string,
  message: string,
  guard: { statuses?: readonly OcrScan["status"][]; ownerId?: string; failedAt?: Date } = {},
): Promise<boolean> {
  const [row] = await ctx.db
    .update(ocrScans)
    .set({ status: "failed", error: message.slice(0, 1000), updatedAt: new Date() })
    .where(
      and(
        eq(ocrScans.id, scanId),
        inArray(ocrScans.status, guard.statuses ?? ["processing"]),
        guard.ownerId ? eq(ocrScans.ownerId, guard.ownerId) : undefined,
        guard.failedAt ? lte(ocrScans.updatedAt, guard.failedAt) : undefined,
      ),
    )
    .returning({ id: ocrScans.id });
  return !!row;
}
