import { listings, type NewListing, ocrScans, rowsOf } from "@mbe/db";
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { closeChangeSet, openChangeSet } from "../change-sets/record";
import { type CoreContext, inTx } from "../context";
import { CoreError, notFound } from "../errors";
import { insertListingsWithEntries } from "../listings/insert-many";
import { CreateListingInput } from "../listings/schema";
import { isUniqueViolation } from "../listings/unique";
import { ownScan } from "./own";
import type { ScanItem } from "./scans";

export const ConvertScanInput = z.object({
  /** Which items (by position) become listings; all when absent. */
  items: z.array(z.number().int().min(0)).max(5000).optional(),
  status: z.enum(["draft", "active"]).default("draft"),
});

/** Creates draft listings from chosen scan items as one change set (source `ocr`, linked to the scan). */
export async function convertScan(
  ctx: CoreContext,
  id: string,
  raw: z.input<typeof ConvertScanInput>,
) {
  const input = ConvertScanInput.parse(raw);
  const { actor, scan } = await ownScan(ctx, id, "write");
  const errors: { index: number; message: string }[] = [];
  const result = await inTx(ctx, async (tx) => {
    // The scan is locked before its items are read: a correction saved meanwhile is converted as
    // corrected, and a request sent twice (a double click, a client's retry) waits here, then
    // finds the items already listings and creates nothing.
    const [locked] = rowsOf<{ status: string; items: ScanItem[] | null }>(
      await tx.db.execute(
        sql`select status, items from ${ocrScans} where id = ${scan.id}::uuid for update`,
      ),
    );
    if (!locked) throw notFound("Scan");
    if (locked.status !== "completed" && locked.status !== "corrected")
      throw new CoreError("CONFLICT", `The scan is ${locked.status}`);
    const items = [...(locked.items ?? [])];
    const rows = buildRows(items, input, actor.userId, scan.id, errors);
    if (!rows.length) return { changeSetId: null, ids: [] as string[] };
    const claimed = items.flatMap((it) => (it?.listingId ? [it.listingId] : []));
    const live = new Set(
      claimed.length
        ? (
            await tx.db
              .select({ id: listings.id })
              .from(listings)
              .where(and(eq(listings.ownerId, actor.userId), inArray(listings.id, claimed)))
          ).map((r) => r.id)
        : [],
    );
    const fresh = rows.filter(({ i }) => {
      const listingId = items[i]?.listingId;
      if (listingId && live.has(listingId)) {
        errors.push({ index: i, message: "This item is already a listing" });
        return false;
      }
      return true;
    });
    if (!fresh.length) return { changeSetId: null, ids: [] as string[] };
    const changeSetId = await openChangeSet(tx.db, {
      ownerId: actor.userId,
      kind: "ocr",
      summary: `Listings from ${scan.fileName}`,
    });
    const created = await insertListingsWithEntries(
      tx.db,
      changeSetId,
      fresh.map((f) => f.row),
    );
    await closeChangeSet(tx.db, changeSetId, created.length);
    for (const { i, row } of fresh) {
      const item = items[i];
      if (item) items[i] = { ...item, listingId: row.id };
    }
    await tx.db
      .update(ocrScans)
      .set({ items, updatedAt: new Date() })
      .where(eq(ocrScans.id, scan.id));
    await recordAudit(tx, {
      action: "ocr.convert",
      resourceType: "ocr_scan",
      resourceId: scan.id,
      details: { changeSetId, created: created.length },
    });
    return { changeSetId, ids: created.map((c) => c.id) };
  }).catch((err) => {
    if (isUniqueViolation(err))
      throw new CoreError(
        "CONFLICT",
        "An item's SKU is already used by a listing; change it and try again",
      );
    throw err;
  });
  if (result.ids.length)
    await ctx.hooks.listingsChanged?.(actor.userId, { upsert: result.ids, remove: [] });
  return {
    created: result.ids.length,
    changeSetId: result.changeSetId,
    listingIds: result.ids,
    errors,
  };
}

/** Each chosen item (by position) as a new listing; items that are missing or invalid go to `errors`. */
function buildRows(
  all: ScanItem[],
  input: z.infer<typeof ConvertScanInput>,
  ownerId: string,
  scanId: string,
  errors: { index: number; message: string }[],
): { i: number; row: NewListing & { id: string } }[] {
  // Each item at most once: an index named twice in one request would otherwise become two listings.
  const chosen = [...new Set(input.items ?? all.map((_, i) => i))].map((i) => ({
    i,
    item: all[i],
  }));
  const rows: { i: number; row: NewListing & { id: string } }[] = [];
  for (const { i, item } of chosen) {
    if (!item) {
      errors.push({ index: i, message: "No such item" });
      continue;
    }
    const parsed = CreateListingInput.safeParse({
      title: item.title,
      price: item.price ?? undefined,
      currency: item.currency,
      quantity: item.quantity ?? 1,
      sku: item.sku || null,
      condition: item.condition || null,
      description: item.description ?? "",
      status: input.status,
    });
    if (!parsed.success) {
      errors.push({
        index: i,
        message: parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; "),
      });
      continue;
    }
    rows.push({
      i,
      row: {
        ...parsed.data,
        price: String(parsed.data.price),
        id: crypto.randomUUID(),
        ownerId,
        source: "ocr" as const,
        sourceRef: scanId,
      },
    });
  }
  return rows;
}
