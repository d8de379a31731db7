import { readFile } from "node:fs/promises";
import { type OcrScan, ocrScans, rowsOf, users } from "@mbe/db";
import { isOcrError, sniffUpload } from "@mbe/ocr";
import { and, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { enqueue, queuesOf } from "../enqueue";
import { CoreError, notFound } from "../errors";
import type { UploadedFile } from "../imports/create";
import { descendingPage, pageInput } from "../paging";
import { type LinkSignature, signedLinkMintedAt, signedLinkQuery } from "../signed-links";
import { ownScan } from "./own";

export const OCR_LOCK_PREFIX = "ocr:lock:";
/** The states of a scan a job may still work on (or a seller still cancel). */
export const SCAN_IN_PROGRESS = ["pending", "processing"] as const;
export const scanJobId = (scanId: string, attempt: number) => `scan-${scanId}-${attempt}`;

/** A listing candidate as the seller reviews it (after extraction or correction). */
export const ScanItem = z.object({
  title: z.string().trim().min(1).max(500),
  price: z.number().min(0).max(1e10).nullable().optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default("USD"),
  quantity: z.number().int().min(0).max(1_000_000).nullable().optional(),
  sku: z.string().trim().max(100).nullable().optional(),
  condition: z.string().trim().max(100).nullable().optional(),
  description: z.string().max(20_000).default(""),
  page: z.number().int().min(1).optional(),
  box: z
    .object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() })
    .partial()
    .optional(),
  confidence: z.record(z.string(), z.number()).optional(),
  /** The listing this item became (set by converting it; converting it again is refused). */
  listingId: z.uuid().optional(),
});
export type ScanItem = z.infer<typeof ScanItem>;

/** A page of a scan as stored: its text and, when one was rendered, its image's storage key. */
export interface StoredPage {
  page: number;
  text: string;
  confidence: number;
  source: "text-layer" | "ocr";
  width: number;
  height: number;
  imageKey?: string;
}

/** A page's fields other than its image, as stored and as shown (which adds its image's link). */
export const pageFields = (p: Omit<StoredPage, "imageKey">): Omit<StoredPage, "imageKey"> => ({
  page: p.page,
  text: p.text,
  confidence: p.confidence,
  source: p.source,
  width: p.width,
  height: p.height,
});

/** How long a page image link is valid; links are only ever issued for this long. */
const PAGE_IMAGE_LINK_TTL_SECONDS = 900;

/**
 * A page image link the browser can load in an <img> (signed, 15 minutes). It carries when it
 * was minted so a password change can revoke it.
 */
function pageImageUrl(ctx: CoreContext, scanId: string, page: number) {
  const query = signedLinkQuery(
    ctx.auth.jwtSecret,
    `ocr:${scanId}:${page}`,
    PAGE_IMAGE_LINK_TTL_SECONDS,
  );
  return `/v1/ocr/scans/${scanId}/pages/${page}/image?${query}`;
}

/** The parts of a signed OCR link, as they arrive in its query. */
export type ScanLinkSignature = LinkSignature;

/** How far a running scan's job has read: page `page` of `pages`, at `stage`. */
const ScanJobProgress = z.object({
  page: z.number().int().min(0),
  pages: z.number().int().min(0),
  stage: z.string(),
});
export type ScanJobProgress = z.infer<typeof ScanJobProgress>;

/** API shape of a scan; page images are signed links; `progress` while its job reads it. */
export function scanView(ctx: CoreContext, s: OcrScan, progress: ScanJobProgress | null = null) {
  return {
    id: s.id,
    fileName: s.fileName,
    mimeType: s.mimeType,
    size: s.size,
    pageCount: s.pageCount,
    status: s.status,
    engine: s.engine,
    pages: (s.pages as StoredPage[]).map((p) => ({
      ...pageFields(p),
      imageUrl: p.imageKey ? pageImageUrl(ctx, s.id, p.page) : null,
    })),
    items: s.items as ScanItem[],
    processingMs: s.processingMs,
    progress,
    error: s.error,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

/**
 * The progress the jobs reading `scans` last reported, by scan id (only scans still processing,
 * and only jobs working for the scan's owner). Progress is best-effort: without the queue, none.
 */
async function progressOf(
  ctx: CoreContext,
  scans: Pick<OcrScan, "id" | "ownerId" | "status">[],
): Promise<Map<string, ScanJobProgress>> {
  const out = new Map<string, ScanJobProgress>();
  const running = new Map(scans.filter((s) => s.status === "processing").map((s) => [s.id, s]));
  if (!running.size || !ctx.queues) return out;
  const jobs = await ctx.queues.ocr.getActive(0, 200).catch(() => []);
  for (const job of jobs) {
    const scan = running.get(job?.data?.scanId);
    if (!scan || job.data.ownerId !== scan.ownerId) continue;
    const p = ScanJobProgress.safeParse(job.progress);
    if (p.success) out.set(scan.id, p.data);
  }
  return out;
}

function queueScan(ctx: CoreContext, scan: OcrScan) {
  return enqueue(
    ctx,
    queuesOf(ctx).ocr,
    "process-scan",
    { scanId: scan.id, ownerId: scan.ownerId },
    { jobId: scanJobId(scan.id, Date.now()), attempts: 2 },
  );
}

/**
 * Records an uploaded photo or PDF (type checked by its bytes, never its name) and queues OCR.
 * Anything but PNG, JPEG, WebP, TIFF, HEIC or PDF is refused with 415 and the file removed.
 */
export async function createScan(ctx: CoreContext, file: UploadedFile, maxBytes: number) {
  const actor = requireActor(ctx, "write");
  let mimeType: string;
  try {
    const local = await ctx.storage.localFile(file.storageKey);
    const head = await readFile(local.path).then((b) => new Uint8Array(b.subarray(0, 64 * 1024)));
    await local.release();
    mimeType = sniffUpload(head, { maxBytes }).mimeType;
  } catch (err) {
    await ctx.storage.delete(file.storageKey);
    if (isOcrError(err)) {
      const code =
        err.code === "FILE_TOO_LARGE"
          ? "PAYLOAD_TOO_LARGE"
          : err.code === "EMPTY_FILE"
            ? "BAD_REQUEST"
            : "UNSUPPORTED_MEDIA_TYPE";
      throw new CoreError(code, err.message, { details: { code: err.code } });
    }
    throw err;
  }
  const [scan] = await ctx.db
    .insert(ocrScans)
    .values({
      ownerId: actor.userId,
      fileName: file.fileName,
      mimeType,
      size: file.size,
      storageKey: file.storageKey,
    })
    .returning();
  if (!scan) throw new CoreError("INTERNAL", "Scan not recorded");
  await queueScan(ctx, scan).catch(async (err) => {
    // Nothing is kept of a scan OCR could not be queued for: uploading it again starts afresh.
    await ctx.db.delete(ocrScans).where(eq(ocrScans.id, scan.id));
    await ctx.storage.delete(file.storageKey);
    throw err;
  });
  await recordAudit(ctx, {
    action: "ocr.upload",
    resourceType: "ocr_scan",
    resourceId: scan.id,
    details: { fileName: file.fileName, size: file.size, mimeType, sha256: file.sha256 },
  });
  return scanView(ctx, scan);
}

export const ListScansInput = pageInput(100, 200);

/** The caller's scans, newest first, a page at a time. */
export async function listScans(ctx: CoreContext, raw: z.input<typeof ListScansInput> = {}) {
  const input = ListScansInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const paging = descendingPage(
    [{ col: ocrScans.createdAt, kind: "timestamp" }],
    ocrScans.id,
    input.cursor,
  );
  const rows = await ctx.db
    .select({ ...getTableColumns(ocrScans), pageKey: paging.keyText })
    .from(ocrScans)
    .where(and(eq(ocrScans.ownerId, actor.userId), paging.after))
    .orderBy(...paging.orderBy)
    .limit(input.limit + 1);
  const page = paging.page(rows, input.limit);
  const progress = await progressOf(ctx, page.items);
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((r) => {
      const v = scanView(ctx, r, progress.get(r.id) ?? null);
      return {
        ...v,
        pages: [] as typeof v.pages,
        items: [] as ScanItem[],
        itemCount: (r.items as unknown[]).length,
      };
    }),
  };
}

/** One scan with its pages (text, confidence, image link) and extracted items; progress while running. */
export async function getScan(ctx: CoreContext, id: string) {
  const { scan } = await ownScan(ctx, id);
  const progress = await progressOf(ctx, [scan]);
  return scanView(ctx, scan, progress.get(scan.id) ?? null);
}

export const UpdateScanInput = z.object({ items: z.array(ScanItem).max(5000) });

/** Saves the seller's corrections to the extracted items. */
export async function updateScan(
  ctx: CoreContext,
  id: string,
  raw: z.input<typeof UpdateScanInput>,
) {
  const input = UpdateScanInput.parse(raw);
  await ownScan(ctx, id, "write");
  const updated = await inTx(ctx, async (tx) => {
    // Locked like a conversion: the state and the converted items read here stay true until
    // the corrections are saved.
    const [scan] = rowsOf<Pick<OcrScan, "status" | "items">>(
      await tx.db.execute(
        sql`select status, items from ${ocrScans} where id = ${id}::uuid for update`,
      ),
    );
    if (!scan) throw notFound("Scan");
    if (scan.status !== "completed" && scan.status !== "corrected")
      throw new CoreError(
        "CONFLICT",
        `The scan is ${scan.status}; correct it once OCR has finished`,
      );
    const items = keepConverted(scan.items as ScanItem[], input.items);
    const [row] = await tx.db
      .update(ocrScans)
      .set({ items, status: "corrected", updatedAt: new Date() })
      .where(eq(ocrScans.id, id))
      .returning();
    if (!row) throw notFound("Scan");
    await recordAudit(tx, {
      action: "ocr.correct",
      resourceType: "ocr_scan",
      resourceId: id,
      details: { items: items.length },
    });
    return row;
  });
  return scanView(ctx, updated);
}

/**
 * The corrected items, each still marked with the listing it became: an item is known by where
 * it was read (page and box), which corrections to its text do not change (nor does reading the
 * same file again). A client holding a copy from before a conversion, or a run again, would
 * otherwise clear the marks and let the items be converted again.
 */
export function keepConverted(stored: ScanItem[], corrected: ScanItem[]): ScanItem[] {
  const where = (it: ScanItem) =>
    it.page !== undefined && it.box
      ? JSON.stringify([it.page, it.box.x, it.box.y, it.box.w, it.box.h])
      : null;
  const converted = new Map<string, string>();
  for (const it of stored) {
    const key = where(it);
    if (key && it.listingId && !converted.has(key)) converted.set(key, it.listingId);
  }
  return corrected.map((it) => {
    const key = where(it);
    const listingId = key ? converted.get(key) : undefined;
    if (!key || !listingId) return it;
    // Each mark goes to one item only (a copied row is a new item).
    converted.delete(key);
    return it.listingId ? it : { ...it, listingId };
  });
}

/** Runs OCR again (e.g. after a failure or a better engine); the previous results are replaced. */
export async function rerunScan(ctx: CoreContext, id: string) {
  const { scan } = await ownScan(ctx, id, "write");
  if (scan.status === "processing") throw new CoreError("CONFLICT", "The scan is being processed");
  const [updated] = await ctx.db
    .update(ocrScans)
    .set({ status: "pending", error: null, updatedAt: new Date() })
    .where(eq(ocrScans.id, id))
    .returning();
  if (!updated) throw notFound("Scan");
  await queueScan(ctx, updated).catch(async (err) => {
    await ctx.db
      .update(ocrScans)
      .set({ status: scan.status, error: scan.error })
      .where(and(eq(ocrScans.id, id), eq(ocrScans.status, "pending")));
    throw err;
  });
  return scanView(ctx, updated);
}

/** Stops a pending or running scan; the worker checks between pages. */
export async function cancelScan(ctx: CoreContext, id: string) {
  const { scan } = await ownScan(ctx, id, "write");
  if (scan.status !== "pending" && scan.status !== "processing")
    throw new CoreError("CONFLICT", `The scan is ${scan.status}`);
  // Guarded: a scan its job finished since the read above stays finished.
  const [updated] = await ctx.db
    .update(ocrScans)
    .set({ status: "failed", error: "CANCELLED: stopped by the seller", updatedAt: new Date() })
    .where(and(eq(ocrScans.id, id), inArray(ocrScans.status, SCAN_IN_PROGRESS)))
    .returning();
  if (!updated) {
    const { scan: now } = await ownScan(ctx, id, "write");
    throw new CoreError("CONFLICT", `The scan is ${now.status}`);
  }
  return scanView(ctx, updated);
}

/** Deletes a scan with its file and page images. */
export async function deleteScan(ctx: CoreContext, id: string) {
  const { scan } = await ownScan(ctx, id, "write");
  for (const p of scan.pages as StoredPage[]) if (p.imageKey) await ctx.storage.delete(p.imageKey);
  await ctx.storage.delete(scan.storageKey);
  await ctx.db.delete(ocrScans).where(eq(ocrScans.id, id));
  await recordAudit(ctx, { action: "ocr.delete", resourceType: "ocr_scan", resourceId: id });
  return { ok: true as const };
}

/**
 * Opens a page image; a valid signature stands in for authentication (browser <img> tags) while
 * the owner's account is active. A link minted before the owner's password last changed is
 * refused, as their sessions are.
 */
export async function openScanPageImage(
  ctx: CoreContext,
  id: string,
  page: number,
  signature?: ScanLinkSignature,
) {
  if (!z.uuid().safeParse(id).success) throw notFound("Page");
  let scan: OcrScan | undefined;
  if (signature?.sig) {
    // Page image links have only ever been issued for 15 minutes.
    const mintedAt = signedLinkMintedAt(
      ctx.auth.jwtSecret,
      `ocr:${id}:${page}`,
      signature,
      PAGE_IMAGE_LINK_TTL_SECONDS,
    );
    if (mintedAt === null)
      throw new CoreError("UNAUTHORIZED", "This image link is invalid or has expired");
    const [found] = await ctx.db
      .select({ scan: ocrScans, passwordChangedAt: users.passwordChangedAt })
      .from(ocrScans)
      .innerJoin(users, eq(users.id, ocrScans.ownerId))
      // A deactivated seller's links stop working with their sessions, as export links do.
      .where(and(eq(ocrScans.id, id), eq(users.active, true)));
    if (found && mintedAt < found.passwordChangedAt.getTime())
      throw new CoreError(
        "UNAUTHORIZED",
        "This image link was revoked because the account's password was changed; reopen the scan for new links",
      );
    scan = found?.scan;
  } else {
    scan = (await ownScan(ctx, id)).scan;
  }
  const p = (scan?.pages as StoredPage[] | undefined)?.find((x) => x.page === page);
  if (!p?.imageKey) throw notFound("Page");
  return ctx.storage.get(p.imageKey);
}
