import { type Import, type Listing, listings } from "@mbe/db";
import {
  type CanonicalListing,
  type ColumnMapping,
  type ImportedListing,
  importListings,
  type Marketplace,
} from "@mbe/formats";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { CoreContext } from "../context";
import { isUuid } from "../ids";
import { diffFields } from "../listings/fields";
import { orderedIdMaker } from "../listings/ordered-id";
import { CreateListingInput, minorUnitProblem, UpdateListingInput } from "../listings/schema";
import { type ImportProblem, MAX_STORED_PROBLEMS } from "./schema";
import { stagedCreate } from "./stage";
import { listingInput, quickCreate, quickUpdate } from "./validate";

export interface ImportRunOptions {
  marketplace?: Marketplace;
  mapping?: ColumnMapping;
  applyFixes: boolean;
  mode: "create" | "update" | "upsert";
  matchBy: "id" | "sku";
  sheet?: string | number;
  /**
   * The seller had no listings when the dry run began, so no row can match one: the per-batch
   * lookups are skipped. (The commit merges these decisions only while the listings are as they
   * were then; otherwise it decides again without this hint.)
   */
  noListings?: boolean;
}

/** One listing of the file, decided: what the commit will do with it. */
export interface DecidedRow {
  row: number;
  action: "create" | "update" | "skip" | "reject";
  targetId?: string;
  /** create: the listing's staged record (see `stagedCreate`); update: only the fields that change. */
  data?: Record<string, unknown>;
}

export interface ImportSummary {
  format: string;
  marketplace: Marketplace;
  mapping: ColumnMapping;
  /** For a workbook: the 1-based position of the sheet read (a commit reads that one again). */
  sheet?: number;
  counts: {
    rows: number;
    create: number;
    update: number;
    skip: number;
    reject: number;
    problems: number;
  };
  problems: ImportProblem[];
}

/**
 * How far the dry run has read its file, in bytes of what is being read (the file for CSV and
 * JSON, the sheet's XML for a workbook), with the rows decided so far.
 */
export type ReadProgress = { processed: number; total: number; unit: "bytes"; rows: number };

const BATCH = 2000;
/** Workbooks above this size are read in a worker thread (starting one costs ~0.2 s). */
const THREAD_ABOVE_BYTES = 1024 * 1024;
// Without lookups a batch only waits to be decided; smaller ones keep fewer rows alive across GCs.
const BATCH_WITHOUT_LOOKUPS = 250;
/** Progress goes out every 250 ms, or every 5,000 rows when they come faster than that. */
const PROGRESS_MS = 250;
const PROGRESS_ROWS = 5000;

/**
 * An eBay Revise, Relist or End row changes only what it fills in: its marketplace fields are laid
 * over the listing's, instead of replacing the category, condition and item specifics it omits.
 */
function revisesInPlace(marketplace: Marketplace, listing: CanonicalListing): boolean {
  if (marketplace !== "ebay") return false;
  const action = listing.marketplaceFields?.action;
  return action === "Revise" || action === "Relist" || action === "End";
}

/**
 * The eBay ItemID an eBay Revise, Relist or End row names, trimmed: a row without the key it is
 * matched by (its SKU, or id) is matched by it instead, to the listing holding that ItemID.
 */
function ebayItemId(listing: CanonicalListing): string | undefined {
  const v = listing.marketplaceFields?.itemId;
  if (typeof v !== "string" || !revisesInPlace("ebay", listing)) return undefined;
  return v.trim() || undefined;
}

/** The listings holding each ItemID; null where several do (the ItemID matches none of them). */
function listingsByItemId(rows: Listing[]): Map<string, Listing | null> {
  const m = new Map<string, Listing | null>();
  for (const r of rows) {
    const v = r.marketplaceFields?.itemId;
    if (typeof v !== "string" && typeof v !== "number") continue;
    const k = String(v).trim();
    m.set(k, m.has(k) ? null : r);
  }
  return m;
}

/**
 * Reads an import's file and decides every listing in it (create, update, skip or reject, with
 * problems), batch by batch so memory stays flat. The dry run and the commit both use it, so
 * what the seller previewed is what lands.
 */
export async function decideImportRows(
  ctx: CoreContext,
  imp: Import,
  opts: ImportRunOptions,
  onBatch: (rows: DecidedRow[]) => Promise<void>,
  /** Called as the file is read: at the start, then throttled, and once all of it is read. */
  onProgress?: (p: ReadProgress) => Promise<unknown>,
): Promise<ImportSummary> {
  const file = await ctx.storage.localFile(imp.storageKey);
  let read = 0;
  let total = 0;
  try {
    const session = await importListings({
      path: file.path,
      ...(onProgress
        ? {
            onProgress: (r: number, t: number) => {
              read = r;
              total = t;
            },
          }
        : {}),
      fileName: imp.fileName,
      marketplace: opts.marketplace,
      mapping: opts.mapping,
      applyFixes: opts.applyFixes,
      sheet: opts.sheet,
      // A large workbook is scanned in a thread of its own, alongside the deciding done here.
      thread: imp.fileSize > THREAD_ABOVE_BYTES,
    });
    const counts = { rows: 0, create: 0, update: 0, skip: 0, reject: 0, problems: 0 };
    const problems: ImportProblem[] = [];
    const addProblem = (p: ImportProblem) => {
      counts.problems++;
      if (problems.length < MAX_STORED_PROBLEMS) problems.push(p);
    };
    const batchSize = opts.noListings ? BATCH_WITHOUT_LOOKUPS : BATCH;
    // New listings get ids in file order, so the commit appends them to the id-ordered indexes.
    const nextId = orderedIdMaker();
    const seenSkus = new Set<string>();
    const seenIds = new Set<string>();
    // eBay rows are matched by ItemID where they lack the key; each such listing is kept, so a
    // row matching it by that key as well is refused instead of updating it twice.
    const byItemIdToo = session.marketplace === "ebay" && !opts.noListings;
    const seenItemIds = new Set<string>();
    const itemIdTargets = new Set<string>();
    let batch: {
      item: ImportedListing;
      listing: CanonicalListing;
      sku?: string;
      id?: string;
      itemId?: string;
    }[] = [];
    let reportedAt = 0;
    let reportedRows = 0;
    const report = async (force: boolean) => {
      if (!onProgress) return;
      const now = performance.now();
      if (!force && now - reportedAt < PROGRESS_MS && counts.rows - reportedRows < PROGRESS_ROWS)
        return;
      reportedAt = now;
      reportedRows = counts.rows;
      await onProgress({ processed: read, total, unit: "bytes", rows: counts.rows });
    };
    await report(true);

    /**
     * Whether a row of the file read so far updates listing `id` (by its id, or its eBay ItemID).
     * The unique SKU index is checked row by row, so SKUs moving between listings (a swap) would
     * clash halfway through the merge, and again halfway through undoing the import.
     */
    const movesInFile = (id: string) =>
      (opts.matchBy === "id" && seenIds.has(id)) || itemIdTargets.has(id);

    const flush = async () => {
      if (!batch.length) return;
      const ids = opts.noListings
        ? []
        : batch.flatMap((b) => (opts.matchBy === "id" && b.id ? [b.id] : []));
      const skus = opts.noListings ? [] : batch.flatMap((b) => (b.sku ? [b.sku] : []));
      const itemIds = byItemIdToo ? batch.flatMap((b) => (b.itemId ? [b.itemId] : [])) : [];
      const existing: Listing[] = [];
      if (ids.length)
        existing.push(
          ...(await ctx.db
            .select()
            .from(listings)
            .where(and(eq(listings.ownerId, imp.ownerId), inArray(listings.id, ids)))),
        );
      if (skus.length)
        existing.push(
          ...(await ctx.db
            .select()
            .from(listings)
            .where(and(eq(listings.ownerId, imp.ownerId), inArray(listings.sku, skus)))),
        );
      // One bounded lookup per batch: the seller's listings holding the batch's ItemIDs.
      const heldItemIds = itemIds.length
        ? await ctx.db
            .select()
            .from(listings)
            .where(
              and(
                eq(listings.ownerId, imp.ownerId),
                inArray(sql`(${listings.marketplaceFields} ->> 'itemId')`, itemIds),
              ),
            )
        : [];
      const byItemId = heldItemIds.length ? listingsByItemId(heldItemIds) : undefined;
      if (heldItemIds.length) existing.push(...heldItemIds);
      const byId = new Map(existing.map((r) => [r.id, r]));
      const bySku = new Map(existing.filter((r) => r.sku).map((r) => [r.sku as string, r]));
      const decided: DecidedRow[] = [];
      const reject = (row: number, column: string, code: string, message: string) => {
        addProblem({ row, column, value: "", code, severity: "error", message });
        decided.push({ row, action: "reject" });
        counts.reject++;
      };
      /** Every failed check of the listing schema becomes a problem on its column. */
      const rejectInvalid = (
        row: number,
        listing: CanonicalListing,
        issues: { path: PropertyKey[]; message: string }[],
      ) => {
        for (const i of issues)
          addProblem({
            row,
            column: String(i.path[0] ?? ""),
            value: String(
              (listing as unknown as Record<string, unknown>)[String(i.path[0])] ?? "",
            ).slice(0, 200),
            code: "INVALID_VALUE",
            severity: "error",
            message: i.message,
          });
        decided.push({ row, action: "reject" });
        counts.reject++;
      };
      for (const b of batch) {
        const row = b.item.row;
        const sku = b.sku;
        let match =
          opts.matchBy === "id"
            ? b.id
              ? byId.get(b.id)
              : undefined
            : sku
              ? bySku.get(sku)
              : undefined;
        if (b.itemId) {
          const held = byItemId?.get(b.itemId);
          if (held === null) {
            reject(
              row,
              "ItemID",
              "AMBIGUOUS_MATCH",
              `Several listings hold eBay ItemID '${b.itemId}'; add the listing's CustomLabel (SKU) to the row`,
            );
            continue;
          }
          // The listing is matched by its SKU (or id) in another row of the file as well.
          if (
            held &&
            (opts.matchBy === "id" ? seenIds.has(held.id) : held.sku && seenSkus.has(held.sku))
          ) {
            reject(
              row,
              "ItemID",
              "DUPLICATE_IN_FILE",
              `The listing with eBay ItemID '${b.itemId}' is updated by another row of the file`,
            );
            continue;
          }
          if (held) {
            match = held;
            itemIdTargets.add(held.id);
          }
        } else if (match && itemIdTargets.size && itemIdTargets.has(match.id)) {
          reject(
            row,
            opts.matchBy,
            "DUPLICATE_IN_FILE",
            "This listing is updated by an earlier row of the file, which names its eBay ItemID",
          );
          continue;
        }
        if (match && opts.mode !== "create") {
          let patch = quickUpdate(b.listing);
          if (!patch) {
            const parsed = UpdateListingInput.safeParse(listingInput(b.listing));
            if (!parsed.success) {
              rejectInvalid(row, b.listing, parsed.error.issues);
              continue;
            }
            const { version: _v, ...rest } = parsed.data;
            patch = rest;
          }
          // A price the listing's currency cannot hold (or a currency its price does not fit),
          // judged on the pair the update leaves.
          const unitProblem =
            patch.price !== undefined || patch.currency !== undefined
              ? minorUnitProblem(patch.price ?? match.price, patch.currency ?? match.currency)
              : undefined;
          if (unitProblem) {
            rejectInvalid(row, b.listing, [{ path: ["price"], message: unitProblem }]);
            continue;
          }
          if (revisesInPlace(session.marketplace, b.listing) && patch.marketplaceFields)
            patch = {
              ...patch,
              marketplaceFields: { ...match.marketplaceFields, ...patch.marketplaceFields },
            };
          // A new SKU another of the seller's listings holds would fail the whole commit on the
          // unique index: the row is refused here, where the seller sees which one it is.
          const holder = typeof patch.sku === "string" ? bySku.get(patch.sku) : undefined;
          if (holder && holder.id !== match.id) {
            reject(
              row,
              "sku",
              "SKU_TAKEN",
              movesInFile(holder.id)
                ? `SKU '${patch.sku}' belongs to another listing this file also updates; SKUs cannot move between listings in one import: free the SKU in an import of its own first`
                : `SKU '${patch.sku}' already belongs to another listing`,
            );
            continue;
          }
          const { after, changed } = diffFields(match, patch);
          if (!changed) {
            decided.push({ row, action: "skip", targetId: match.id });
            counts.skip++;
          } else {
            decided.push({ row, action: "update", targetId: match.id, data: after });
            counts.update++;
          }
          continue;
        }
        if (match && opts.mode === "create") {
          decided.push({ row, action: "skip", targetId: match.id });
          counts.skip++;
          addProblem({
            row,
            column: opts.matchBy === "id" ? "id" : "sku",
            value: sku ?? b.id ?? b.itemId ?? "",
            code: "ALREADY_EXISTS",
            severity: "warning",
            message: "A listing with this key exists; create mode skips it",
          });
          continue;
        }
        if (opts.mode === "update") {
          decided.push({ row, action: "skip" });
          counts.skip++;
          addProblem({
            row,
            column: opts.matchBy,
            value: sku ?? b.id ?? b.itemId ?? "",
            code: "NO_MATCH",
            severity: "warning",
            message: "No listing matches; update mode skips it",
          });
          continue;
        }
        // A file without a title or price column updates listings, but cannot create one.
        const missing =
          b.listing.title === undefined
            ? "title"
            : b.listing.price === undefined
              ? "price"
              : undefined;
        if (missing) {
          reject(row, missing, "REQUIRED", `A ${missing} is required to create a listing`);
          continue;
        }
        let data = quickCreate(b.listing);
        if (!data) {
          const parsed = CreateListingInput.safeParse(listingInput(b.listing));
          if (!parsed.success) {
            rejectInvalid(row, b.listing, parsed.error.issues);
            continue;
          }
          data = parsed.data;
        }
        if (data.sku && bySku.has(data.sku)) {
          reject(row, "sku", "SKU_TAKEN", `SKU '${data.sku}' already belongs to another listing`);
          continue;
        }
        const id = nextId();
        decided.push({ row, action: "create", data: stagedCreate(data, id) });
        counts.create++;
      }
      batch = [];
      await onBatch(decided);
    };

    const rejectDuplicate = async (row: number, column: string, value: string, what: string) => {
      addProblem({
        row,
        column,
        value,
        code: "DUPLICATE_IN_FILE",
        severity: "error",
        message: `This ${what} appears earlier in the file`,
      });
      counts.reject++;
      await onBatch([{ row, action: "reject" }]);
    };

    for await (const items of session.batches) {
      for (const item of items) {
        counts.rows++;
        let blocked = false;
        for (const p of item.problems) {
          if (p.severity === "error" && !(opts.applyFixes && p.suggestion !== undefined))
            blocked = true;
          addProblem({
            row: p.row,
            column: p.column,
            value: p.value,
            code: p.code,
            severity: p.severity,
            message: p.message,
            ...(p.suggestion !== undefined ? { suggestion: p.suggestion } : {}),
          });
        }
        if (!item.listing || blocked) {
          counts.reject++;
          await onBatch([{ row: item.row, action: "reject" }]);
          continue;
        }
        const listing = item.listing;
        // Keys are matched as the listing stores them: trimmed (a cell's stray spaces would
        // otherwise miss the listing, and then clash with it on the unique SKU at commit).
        const id = listing.id?.trim() || undefined;
        const sku = typeof listing.sku === "string" ? listing.sku.trim() || undefined : undefined;
        if (sku && seenSkus.has(sku)) {
          await rejectDuplicate(item.row, "sku", sku, "SKU");
          continue;
        }
        if (id && opts.matchBy === "id" && seenIds.has(id)) {
          await rejectDuplicate(item.row, "id", id, "id");
          continue;
        }
        if (sku) seenSkus.add(sku);
        if (id) seenIds.add(id);
        const matchId = id && isUuid(id) ? id : undefined;
        let itemId: string | undefined;
        if (byItemIdToo && !(opts.matchBy === "id" ? matchId : sku)) {
          itemId = ebayItemId(listing);
          if (itemId !== undefined) {
            if (seenItemIds.has(itemId)) {
              await rejectDuplicate(item.row, "ItemID", itemId, "eBay ItemID");
              continue;
            }
            seenItemIds.add(itemId);
          }
        }
        batch.push({ item, listing, sku, id: matchId, itemId });
        if (batch.length >= batchSize) await flush();
      }
      await report(false);
    }
    await flush();
    await report(true);
    // What the reader noticed about the file as a whole (a guessed encoding, skipped blank rows)
    // is shown with the problems, so the seller knows to check it; UTF-16 text needs no check.
    for (const n of session.table.notices)
      if (n.code !== "UTF16")
        addProblem({
          row: 0,
          column: "",
          value: "",
          code: n.code,
          severity: "warning",
          message: n.message,
        });
    return {
      format: session.table.kind,
      marketplace: session.marketplace,
      mapping: session.mapping,
      ...(session.table.sheetPosition !== undefined ? { sheet: session.table.sheetPosition } : {}),
      counts,
      problems,
    };
  } finally {
    await file.release();
  }
}
