import { type Listing, listings, type NewListing } from "@mbe/db";
import { type CanonicalListing, type FieldWarning, validateForMarketplace } from "@mbe/formats";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { addEntries, closeChangeSet, type EntryInput, openChangeSet } from "../change-sets/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError } from "../errors";
import { isUuid } from "../ids";
import { applySnapshots, refusedHandOvers, releaseSkus } from "./apply-snapshots";
import { diffFields, priceText } from "./fields";
import { insertListingsWithEntries } from "./insert-many";
import {
  CreateListingInput,
  Marketplace,
  minorUnitProblem,
  UpdateListingInput,
  unknownKeyWarnings,
  unknownListingKeys,
} from "./schema";
import { isUniqueViolation } from "./unique";

export const BULK_MAX_ROWS = 10_000;

export const BulkUpsertInput = z.object({
  /** Listing objects; anything else in the array fails that row alone, reported by its index. */
  rows: z
    .array(
      z
        .unknown()
        .describe("A listing object: its fields, with `id` (or a SKU) and `version` to update one"),
    )
    .min(1)
    .max(BULK_MAX_ROWS),
  /** How a row without `id` finds the listing it updates. */
  matchBy: z.enum(["id", "sku"]).default("sku"),
  marketplace: Marketplace.optional(),
  /** Kind and summary recorded on the change set (imports, templates reuse this verb). */
  kind: z.string().max(50).optional(),
  summary: z.string().max(200).optional(),
});
export type BulkUpsertInput = z.input<typeof BulkUpsertInput>;

export interface RowResult {
  index: number;
  status: "created" | "updated" | "unchanged" | "error";
  id?: string;
  version?: number;
  error?: { code: string; message: string; issues?: { path: string; message: string }[] };
  warnings?: FieldWarning[];
}

const isObjectRow = (row: unknown): row is Record<string, unknown> =>
  typeof row === "object" && row !== null && !Array.isArray(row);

/** A row that is not applied: its index, with the error's code, message and issues if any. */
const rowError = (
  index: number,
  code: string,
  message: string,
  issues?: { path: string; message: string }[],
): RowResult => ({
  index,
  status: "error",
  error: issues ? { code, message, issues } : { code, message },
});

const issuesOf = (e: z.ZodError) =>
  e.issues.map((i) => ({ path: i.path.join("."), message: i.message }));

/**
 * Creates or updates up to 10,000 listings as one change set. Invalid rows are reported with their
 * index and reasons; the valid rows are still applied.
 */
export async function bulkUpsertListings(
  ctx: CoreContext,
  raw: BulkUpsertInput,
  opts: { source?: NewListing["source"]; sourceRef?: string } = {},
) {
  const input = BulkUpsertInput.parse(raw);
  const actor = requireActor(ctx, "write");
  const results: RowResult[] = input.rows.map((_, index) => ({ index, status: "error" }));
  const parsed: {
    index: number;
    id?: string;
    data: z.infer<typeof UpdateListingInput>;
    /** Already checked against the create schema (a row that can only be a create). */
    create?: z.infer<typeof CreateListingInput>;
  }[] = [];
  /** Keys each row sent that no listing field names: ignored, and reported as warnings. */
  const ignored = new Map<number, string[]>();
  input.rows.forEach((row, index) => {
    if (!isObjectRow(row)) {
      results[index] = rowError(
        index,
        "VALIDATION_FAILED",
        `Row must be a listing object, not ${row === null ? "null" : Array.isArray(row) ? "an array" : `a ${typeof row}`}`,
      );
      return;
    }
    const unknown = unknownListingKeys(row, ["id", "version"]);
    if (unknown.length) ignored.set(index, unknown);
    const { id, ...rest } = row;
    if (id !== undefined && !isUuid(id)) {
      results[index] = rowError(index, "VALIDATION_FAILED", "id must be a UUID");
      return;
    }
    // A row with no id that is not matched by SKU can only be a create: check it once, fully.
    if (id === undefined && input.matchBy !== "sku") {
      // `version` asks to update a listing at that version; without an id there is none to update.
      if (rest.version !== undefined) {
        results[index] = rowError(
          index,
          "NOT_FOUND",
          "A row with version needs the id of its listing",
        );
        return;
      }
      const c = CreateListingInput.safeParse(rest);
      if (!c.success) {
        results[index] = rowError(index, "VALIDATION_FAILED", "Invalid row", issuesOf(c.error));
        return;
      }
      parsed.push({ index, data: c.data, create: c.data });
      return;
    }
    const p = UpdateListingInput.safeParse(rest);
    if (!p.success) {
      results[index] = rowError(index, "VALIDATION_FAILED", "Invalid row", issuesOf(p.error));
      return;
    }
    // PostgreSQL writes ids in lower case; an id sent in upper case names the same listing.
    parsed.push({ index, id: (id as string | undefined)?.toLowerCase(), data: p.data });
  });

  /** Each updated or unchanged row's listing as the request leaves it, for marketplace rules. */
  const resulting = new Map<number, CanonicalListing>();
  const attempt = () =>
    inTx(ctx, async (tx) => {
      resulting.clear();
      const idKeys = [...new Set(parsed.flatMap((p) => (p.id ? [p.id] : [])))];
      const skuKeys = [...new Set(parsed.flatMap((p) => (p.data.sku ? [p.data.sku] : [])))];
      const found = new Map<string, Listing>();
      for (const [column, keys] of [
        [listings.id, idKeys],
        [listings.sku, skuKeys],
      ] as const) {
        for (let i = 0; i < keys.length; i += 5000) {
          const rows = await tx.db
            .select()
            .from(listings)
            .where(
              and(eq(listings.ownerId, actor.userId), inArray(column, keys.slice(i, i + 5000))),
            )
            .for("update");
          for (const r of rows) found.set(r.id, r);
        }
      }
      const existing = [...found.values()];
      const byId = new Map(existing.map((r) => [r.id, r]));
      const bySku = new Map(existing.filter((r) => r.sku).map((r) => [r.sku as string, r]));
      const claimedSkus = new Map<string, string>(); // sku -> listing id (or "new:<index>")
      const creates: { index: number; row: NewListing }[] = [];
      const updates: {
        index: number;
        before: Listing;
        after: Record<string, unknown>;
        beforeVals: Record<string, unknown>;
      }[] = [];
      const touched = new Set<string>();
      // Listings a row of this request gives another SKU: the SKU each holds now may be taken by
      // another listing of the request (a swap, or a column of SKUs pasted one row off), provided
      // that row is applied. Which rows are applied is only known after the loop.
      const releasing = new Set<string>();
      for (const p of parsed) {
        const t = p.id ? byId.get(p.id) : undefined;
        if (t?.sku && p.data.sku !== undefined && p.data.sku !== t.sku) releasing.add(t.id);
      }
      /** Updates that take a SKU another listing of the request gives up: row, listing, holder. */
      const takes: { index: number; id: string; holder: string; sku: string }[] = [];

      const skuClash = (sku: string | null | undefined, owner: string, index: number) => {
        if (!sku) return false;
        const claimed = claimedSkus.get(sku);
        if (claimed !== undefined && claimed !== owner) return true;
        const holder = bySku.get(sku);
        if (!holder || holder.id === owner) return false;
        // A new listing never takes a released SKU: undoing the request deletes it and gives the
        // SKU back in one statement, whose rows are written in no set order.
        if (owner.startsWith("new:") || !releasing.has(holder.id)) return true;
        takes.push({ index, id: owner, holder: holder.id, sku });
        return false;
      };

      for (const p of parsed) {
        const target = p.id
          ? byId.get(p.id)
          : input.matchBy === "sku" && p.data.sku
            ? bySku.get(p.data.sku)
            : undefined;
        if (p.id && !target) {
          results[p.index] = rowError(p.index, "NOT_FOUND", "Listing not found");
          continue;
        }
        if (target) {
          if (touched.has(target.id)) {
            results[p.index] = rowError(
              p.index,
              "DUPLICATE_ROW",
              "Another row in this request updates the same listing",
            );
            continue;
          }
          if (p.data.version !== undefined && p.data.version !== target.version) {
            results[p.index] = {
              index: p.index,
              status: "error",
              id: target.id,
              version: target.version,
              error: {
                code: "VERSION_CONFLICT",
                message: `Listing is at version ${target.version}`,
              },
            };
            continue;
          }
          if (p.data.price !== undefined || p.data.currency !== undefined) {
            // The listing's currency or price may be the one not sent: judge the pair it leaves.
            const problem = minorUnitProblem(
              p.data.price ?? target.price,
              p.data.currency ?? target.currency,
            );
            if (problem) {
              results[p.index] = rowError(p.index, "VALIDATION_FAILED", "Invalid row", [
                { path: "price", message: problem },
              ]);
              continue;
            }
          }
          if (skuClash(p.data.sku, target.id, p.index)) {
            results[p.index] = rowError(p.index, "CONFLICT", `SKU '${p.data.sku}' is already used`);
            continue;
          }
          touched.add(target.id);
          if (p.data.sku) claimedSkus.set(p.data.sku, target.id);
          const { version: _v, ...patch } = p.data;
          resulting.set(p.index, {
            ...target,
            ...patch,
            price: priceText(patch.price ?? target.price),
          });
          const { before, after, changed } = diffFields(target, patch);
          if (!changed) {
            results[p.index] = {
              index: p.index,
              status: "unchanged",
              id: target.id,
              version: target.version,
            };
            continue;
          }
          updates.push({ index: p.index, before: target, after, beforeVals: before });
          continue;
        }
        // `version` means "update the listing at this version": with no such listing, creating
        // one would bring back a listing someone deleted or renamed meanwhile.
        if (p.data.version !== undefined) {
          results[p.index] = rowError(
            p.index,
            "NOT_FOUND",
            p.data.sku
              ? `No listing with SKU '${p.data.sku}' to update at version ${p.data.version}`
              : `No listing to update at version ${p.data.version}`,
          );
          continue;
        }
        // A SKU an earlier row of this request creates: say so, rather than judging this row as
        // a second listing (whose missing title would be the only reason given).
        const earlier = p.data.sku ? claimedSkus.get(p.data.sku) : undefined;
        if (earlier?.startsWith("new:")) {
          results[p.index] = rowError(
            p.index,
            "CONFLICT",
            `Row ${earlier.slice(4)} of this request already creates SKU '${p.data.sku}'`,
          );
          continue;
        }
        const full = p.create
          ? ({ success: true, data: p.create } as const)
          : CreateListingInput.safeParse(p.data);
        if (!full.success) {
          results[p.index] = rowError(
            p.index,
            "VALIDATION_FAILED",
            "Invalid row",
            issuesOf(full.error),
          );
          continue;
        }
        const owner = `new:${p.index}`;
        if (skuClash(full.data.sku, owner, p.index)) {
          results[p.index] = rowError(
            p.index,
            "CONFLICT",
            `SKU '${full.data.sku}' is already used`,
          );
          continue;
        }
        if (full.data.sku) claimedSkus.set(full.data.sku, owner);
        creates.push({
          index: p.index,
          row: {
            ...full.data,
            price: priceText(full.data.price),
            ownerId: actor.userId,
            source: opts.source ?? (actor.via === "api_key" ? "api" : "manual"),
            sourceRef: opts.sourceRef ?? actor.apiKeyId ?? null,
          },
        });
      }

      // A row that takes the SKU of a listing that keeps it (its own row was refused, or another
      // row matched it first) would share it: refuse that row too, and so on down the chain (a
      // rotation with one refused row is refused whole).
      const live = new Set(updates.map((u) => u.before.id));
      const released = new Set(updates.filter((u) => "sku" in u.after).map((u) => u.before.id));
      const keeping = takes.filter((t) => !released.has(t.holder)).map((t) => t.holder);
      const refused = new Set<number>();
      for (const t of refusedHandOvers(takes, keeping)) {
        if (!live.delete(t.id)) continue;
        refused.add(t.index);
        resulting.delete(t.index);
        results[t.index] = rowError(t.index, "CONFLICT", `SKU '${t.sku}' is already used`);
      }
      if (refused.size)
        updates.splice(0, updates.length, ...updates.filter((u) => !refused.has(u.index)));
      // The listings whose SKU an applied row takes lose it first, so the unique index, checked
      // row by row, only ever sees the SKUs the request leaves.
      const handedOver = [...new Set(takes.filter((t) => live.has(t.id)).map((t) => t.holder))];

      if (creates.length === 0 && updates.length === 0)
        return { changeSetId: null, upsert: [] as string[] };
      const changeSetId = await openChangeSet(tx.db, {
        ownerId: actor.userId,
        kind: input.kind ?? "bulk-upsert",
        summary:
          input.summary ?? `Bulk upsert: ${creates.length} created, ${updates.length} updated`,
      });
      await releaseSkus(tx.db, actor.userId, handedOver);
      const withIds = creates.map((c) => ({ ...c, row: { ...c.row, id: crypto.randomUUID() } }));
      await insertListingsWithEntries(
        tx.db,
        changeSetId,
        withIds.map((c) => c.row),
      );
      for (const c of withIds)
        results[c.index] = { index: c.index, status: "created", id: c.row.id, version: 1 };
      await applySnapshots(
        tx.db,
        actor.userId,
        updates.map((u) => ({ id: u.before.id, snapshot: u.after, version: u.before.version + 1 })),
      );
      const entries: EntryInput[] = updates.map((u) => {
        const version = u.before.version + 1;
        results[u.index] = { index: u.index, status: "updated", id: u.before.id, version };
        return {
          listingId: u.before.id,
          op: "update",
          before: { ...u.beforeVals, version: u.before.version },
          after: { ...u.after, version },
          currentVersion: version,
        };
      });
      await addEntries(tx.db, changeSetId, entries);
      await closeChangeSet(tx.db, changeSetId, creates.length + updates.length);
      await recordAudit(tx, {
        action: "listing.bulk_upsert",
        resourceType: "change_set",
        resourceId: changeSetId,
        details: {
          created: creates.length,
          updated: updates.length,
          failed: results.filter((r) => r.status === "error").length,
        },
      });
      return {
        changeSetId,
        upsert: [...withIds.map((c) => c.row.id), ...updates.map((u) => u.before.id)],
      };
    });
  // SKUs within the request are checked above, so a unique violation means a parallel request
  // saved one of them meanwhile: run again, seeing it (a match by SKU then updates it, otherwise
  // that row is reported as a conflict).
  const out = await attempt()
    .catch((err) => {
      if (isUniqueViolation(err)) return attempt();
      throw err;
    })
    .catch((err) => {
      if (isUniqueViolation(err))
        throw new CoreError(
          "CONFLICT",
          "Parallel requests kept claiming these SKUs; nothing was applied, try again",
        );
      throw err;
    });

  if (input.marketplace) {
    const m = input.marketplace;
    for (const p of parsed) {
      const r = results[p.index];
      if (!r || r.status === "error") continue;
      // An update is judged as the whole listing it leaves, not by the fields it sends.
      const w = validateForMarketplace(
        resulting.get(p.index) ?? { title: "", ...p.data, price: String(p.data.price ?? "0") },
        m,
      );
      if (w.length) r.warnings = w;
    }
  }
  for (const [index, keys] of ignored) {
    const r = results[index];
    if (r) r.warnings = [...unknownKeyWarnings(keys), ...(r.warnings ?? [])];
  }
  if (out.upsert.length)
    await ctx.hooks.listingsChanged?.(actor.userId, { upsert: out.upsert, remove: [] });
  const count = (s: RowResult["status"]) => results.filter((r) => r.status === s).length;
  return {
    changeSetId: out.changeSetId,
    created: count("created"),
    updated: count("updated"),
    unchanged: count("unchanged"),
    failed: count("error"),
    results,
  };
}
