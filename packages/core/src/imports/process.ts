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
import { refusedHandOvers } from "../listings/apply-snapshots";
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
  /** The first non-empty value of each column (at most {@link MAX_SAMPLES} columns). */
  samples: Record<string, string>;
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

/** Columns given a sample value, so a very wide file keeps the import's row small. */
export const MAX_SAMPLES = 200;
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
 * An update row taking the SKU another listing holds (`holder`), decided once the whole file is
 * read: it stands only if the holder's own row is accepted and gives that SKU up.
 */
interface HandOver {
  /** The listing the row updates. */
  id: string;
  holder: string;
  sku: string;
  row: number;
  data: Record<string, unknown>;
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
    /** Records a problem; returns it when it is stored (the first MAX_STORED_PROBLEMS are). */
    const addProblem = (p: ImportProblem): ImportProblem | undefined => {
      counts.problems++;
      if (problems.length >= MAX_STORED_PROBLEMS) return undefined;
      problems.push(p);
      return p;
    };
    const batchSize = opts.noListings ? BATCH_WITHOUT_LOOKUPS : BATCH;
    // New listings get ids in file order, so the commit appends them to the id-ordered indexes.
    const nextId = orderedIdMaker();
    const seenSkus = new Set<string>();
    // Each id with the row naming it first (the row updating that listing, when it matches one).
    const seenIds = new Map<string, number>();
    // eBay rows are matched by ItemID where they lack the key; each such listing is kept, so a
    // row matching it by that key as well is refused instead of updating it twice.
    const byItemIdToo = session.marketplace === "ebay" && !opts.noListings;
    const seenItemIds = new Set<string>();
    const itemIdTargets = new Map<string, number>();
    // SKUs moving between listings of the file (a swap, a rotation, a listing taking the SKU
    // another one trades for a new SKU) are decided once the file is read: see `settleHandOvers`.
    const handOvers: HandOver[] = [];
    // Listings an accepted row gives another SKU, so their SKU is free for a hand-over.
    const givingUp = new Set<string>();
    // Listings whose row was refused after it matched them, and the rows refused before matching
    // anything that name a listing by id: each keeps its SKU.
    const refusedTargets = new Set<string>();
    const refusedById = new Map<string, number>();
    // New listings refused for a SKU another listing holds, told once the file is read whether
    // the file frees that SKU.
    const createClashes: { problem: ImportProblem; holder: string; sku: string }[] = [];
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
     * The row of the file updating listing `id`: the row matching it by its eBay ItemID (a later
     * row naming its id is refused as a second update), else the row naming its id.
     */
    const rowUpdating = (id: string) =>
      itemIdTargets.get(id) ?? (opts.matchBy === "id" ? seenIds.get(id) : undefined);

    /** A row refused before it was matched, naming a listing by id: that listing keeps its SKU. */
    const noteRefused = (row: number, listing: CanonicalListing | null | undefined) => {
      const id = opts.matchBy === "id" ? listing?.id?.trim() : undefined;
      if (id && !seenIds.has(id) && !refusedById.has(id)) refusedById.set(id, row);
    };

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
      // The listing the row being decided matched, if any: a refused row leaves it as it is.
      let target: string | undefined;
      const reject = (row: number, column: string, code: string, message: string) => {
        addProblem({ row, column, value: "", code, severity: "error", message });
        decided.push({ row, action: "reject" });
        counts.reject++;
        if (target) refusedTargets.add(target);
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
        if (target) refusedTargets.add(target);
      };
      for (const b of batch) {
        const row = b.item.row;
        const sku = b.sku;
        target = undefined;
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
            itemIdTargets.set(held.id, row);
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
          target = match.id;
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
          const { after, changed } = diffFields(match, patch);
          // A new SKU another of the seller's listings holds stands only if that listing's row,
          // read before or after this one, gives it up; until the file is read it is undecided.
          const newSku = typeof patch.sku === "string" ? patch.sku : undefined;
          const holder = newSku ? bySku.get(newSku) : undefined;
          if (newSku && holder && holder.id !== match.id) {
            handOvers.push({ id: match.id, holder: holder.id, sku: newSku, row, data: after });
            continue;
          }
          if (!changed) {
            decided.push({ row, action: "skip", targetId: match.id });
            counts.skip++;
          } else {
            decided.push({ row, action: "update", targetId: match.id, data: after });
            counts.update++;
            if ("sku" in after) givingUp.add(match.id);
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
        const holder = data.sku ? bySku.get(data.sku) : undefined;
        if (holder && data.sku) {
          const problem = addProblem({
            row,
            column: "sku",
            value: data.sku,
            code: "SKU_TAKEN",
            severity: "error",
            message: `SKU '${data.sku}' already belongs to another listing`,
          });
          decided.push({ row, action: "reject" });
          counts.reject++;
          if (problem) createClashes.push({ problem, holder: holder.id, sku: data.sku });
          continue;
        }
        const id = nextId();
        decided.push({ row, action: "create", data: stagedCreate(data, id) });
        counts.create++;
      }
      batch = [];
      await onBatch(decided);
    };

    /**
     * Decides the hand-overs once every row is read. A listing keeps its SKU unless an accepted
     * row gives it another one; a row taking a SKU that stays is refused, and so, down the chain,
     * is a row taking the SKU of a listing whose row was refused so (a rotation with one refused
     * row is refused whole). The commit frees the moving SKUs before writing them.
     */
    const settleHandOvers = async () => {
      const takers = new Set(handOvers.map((h) => h.id));
      const keeping = new Set<string>();
      for (const h of handOvers)
        if (!givingUp.has(h.holder) && !takers.has(h.holder)) keeping.add(h.holder);
      const refused = new Set(refusedHandOvers(handOvers, keeping).map((h) => h.id));
      const decided: DecidedRow[] = [];
      // Problems beyond the stored ones were dropped, all from rows after the last one stored.
      const capped = counts.problems > problems.length;
      const lastStored = problems.reduce((m, p) => Math.max(m, p.row), 0);
      const late: ImportProblem[] = [];
      for (const h of handOvers.sort((a, b) => a.row - b.row)) {
        if (!refused.has(h.id)) {
          decided.push({ row: h.row, action: "update", targetId: h.id, data: h.data });
          counts.update++;
          givingUp.add(h.id);
          continue;
        }
        counts.problems++;
        late.push({
          row: h.row,
          column: "sku",
          value: h.sku,
          code: "SKU_TAKEN",
          severity: "error",
          message: takenMessage(h.sku, h.holder, refused),
        });
        decided.push({ row: h.row, action: "reject" });
        counts.reject++;
      }
      // Stored in row order with the others, so neither the cap nor the first page of problems
      // loses a row's only error for coming out of the file's end.
      if (late.length) {
        for (const p of late) if (!capped || p.row <= lastStored) problems.push(p);
        problems.sort((a, b) => a.row - b.row);
        if (problems.length > MAX_STORED_PROBLEMS) problems.length = MAX_STORED_PROBLEMS;
      }
      // A new listing never takes a SKU in the import that frees it: the commit writes new
      // listings before it frees SKUs, and undoing the import would restore the SKU to its old
      // listing before removing the new one.
      for (const c of createClashes) {
        const from = givingUp.has(c.holder) ? rowUpdating(c.holder) : undefined;
        if (from !== undefined)
          c.problem.message = `SKU '${c.sku}' is freed by row ${from}, which gives its listing another SKU, but a new listing cannot take it in the same import: import this row again once this import is committed`;
      }
      if (decided.length) await onBatch(decided);
    };

    /** Why a hand-over of `sku` from listing `holder` is refused, naming the holder's row. */
    const takenMessage = (sku: string, holder: string, refused: Set<string>) => {
      const at = rowUpdating(holder);
      if (at !== undefined && !refusedTargets.has(holder) && !refused.has(holder))
        return `SKU '${sku}' belongs to the listing row ${at} updates, and row ${at} keeps it: give that listing another SKU in row ${at} to move it`;
      const refusedAt = at ?? refusedById.get(holder);
      if (refusedAt !== undefined)
        return `SKU '${sku}' belongs to the listing row ${refusedAt} updates, and row ${refusedAt} is refused, so the listing keeps it: fix row ${refusedAt} to move the SKU`;
      return `SKU '${sku}' already belongs to another listing`;
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
          noteRefused(item.row, item.listing);
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
          noteRefused(item.row, listing);
          await rejectDuplicate(item.row, "sku", sku, "SKU");
          continue;
        }
        if (id && opts.matchBy === "id" && seenIds.has(id)) {
          await rejectDuplicate(item.row, "id", id, "id");
          continue;
        }
        if (sku) seenSkus.add(sku);
        if (id) seenIds.set(id, item.row);
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
    await settleHandOvers();
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
      samples: Object.fromEntries(Object.entries(session.samples).slice(0, MAX_SAMPLES)),
      ...(session.table.sheetPosition !== undefined ? { sheet: session.table.sheetPosition } : {}),
      counts,
      problems,
    };
  } finally {
    await file.release();
  }
}
