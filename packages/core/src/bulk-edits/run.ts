import { changeSets, type DbOrTx, type Listing, listings, type NewListing, rowsOf } from "@mbe/db";
import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record";
import { chunkInsertSql, openChangeSet, writeChangeSet } from "../change-sets/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError } from "../errors";
import { applySnapshots, refusedHandOvers, releaseSkus } from "../listings/apply-snapshots";
import { type EditableField, fullSnapshot, priceText } from "../listings/fields";
import { listingWhere } from "../listings/filter";
import { snapshotSql } from "../listings/sql-snapshot";
import { isUniqueViolation } from "../listings/unique";
import { getTemplate } from "../templates/crud";
import { fieldsToLoad, type PlannedChange, type PlanRow, planChanges } from "./compute";
import { applyPriceChange, previewPriceChange } from "./price-change";
import { BulkEditInput, type BulkOperation, type Selection } from "./schema";

/** Row-by-row operations load the selection into memory; beyond this, narrow the filter. */
export const BULK_EDIT_MAX_ROWS = 200_000;

function whereOf(ownerId: string, s: Selection): SQL {
  return "ids" in s ? listingWhere(ownerId, { ids: s.ids }) : listingWhere(ownerId, s.filter);
}

async function checkSize(ctx: CoreContext, where: SQL) {
  const [c] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(listings).where(where);
  if (Number(c?.n ?? 0) > BULK_EDIT_MAX_ROWS)
    throw new CoreError(
      "PAYLOAD_TOO_LARGE",
      `This operation handles up to ${BULK_EDIT_MAX_ROWS} listings at once; narrow the selection`,
    );
}

/** Whole rows (duplicate copies every field). */
async function loadRows(ctx: CoreContext, where: SQL, forUpdate: boolean): Promise<Listing[]> {
  await checkSize(ctx, where);
  const q = ctx.db.select().from(listings).where(where).orderBy(desc(listings.updatedAt));
  return forUpdate ? q.for("update") : q;
}

/** Rows with only the columns `fields` names, besides id, version and title. */
async function loadPlanRows(
  ctx: CoreContext,
  where: SQL,
  forUpdate: boolean,
  fields: EditableField[],
): Promise<PlanRow[]> {
  await checkSize(ctx, where);
  const columns: Record<string, (typeof listings)[EditableField | "id" | "version"]> = {
    id: listings.id,
    version: listings.version,
    title: listings.title,
  };
  for (const f of fields) columns[f] = listings[f];
  const q = ctx.db.select(columns).from(listings).where(where).orderBy(desc(listings.updatedAt));
  return (await (forUpdate ? q.for("update") : q)) as unknown as PlanRow[];
}

type Plan = { planned: PlannedChange[]; rejected: { id: string; message: string }[] };

/**
 * Moves to `rejected` the planned rows whose new SKU another listing would share: two rows of the
 * edit given the same SKU, or a SKU another listing keeps. A SKU held by a row the edit gives
 * another SKU is free to take (SKUs swapped or rotated by one edit), unless that row is itself
 * rejected. Preview and apply so agree, and the rows that clash with nothing are still applied.
 */
async function rejectSkuClashes(db: DbOrTx, ownerId: string, plan: Plan): Promise<Plan> {
  const claims = new Map<string, string[]>();
  for (const p of plan.planned) {
    const sku = p.after.sku;
    if (typeof sku !== "string") continue;
    const ids = claims.get(sku);
    if (ids) ids.push(p.row.id);
    else claims.set(sku, [p.row.id]);
  }
  if (!claims.size) return plan;
  const held = await db
    .select({ id: listings.id, sku: listings.sku })
    .from(listings)
    .where(
      and(
        eq(listings.ownerId, ownerId),
        sql`${listings.sku} in (select jsonb_array_elements_text(${JSON.stringify([...claims.keys()])}::jsonb))`,
      ),
    );
  const holders = new Map(held.map((h) => [h.sku, h.id]));
  const releasing = new Set(plan.planned.filter((p) => "sku" in p.after).map((p) => p.row.id));
  const used = (sku: string) => `sku: '${sku}' is already used by another listing`;
  const clash = new Map<string, string>();
  /** Rows taking the SKU of a row the edit gives another SKU. */
  const takes: { id: string; holder: string; sku: string }[] = [];
  for (const [sku, ids] of claims) {
    const holder = holders.get(sku);
    if (ids.length > 1)
      for (const id of ids) clash.set(id, `sku: '${sku}' would be given to ${ids.length} listings`);
    else if (holder && ids[0] && holder !== ids[0]) {
      if (!releasing.has(holder)) clash.set(ids[0], used(sku));
      else takes.push({ id: ids[0], holder, sku });
    }
  }
  // A rejected row keeps its SKU, so the rows that would take it down the chain are rejected too.
  for (const t of refusedHandOvers(takes, [...clash.keys()]))
    if (!clash.has(t.id)) clash.set(t.id, used(t.sku));
  if (!clash.size) return plan;
  return {
    planned: plan.planned.filter((p) => !clash.has(p.row.id)),
    rejected: [
      ...plan.rejected,
      ...plan.planned.flatMap((p) => {
        const message = clash.get(p.row.id);
        return message ? [{ id: p.row.id, message }] : [];
      }),
    ],
  };
}

/** The planned rows whose current SKU another planned row takes (see {@link releaseSkus}). */
function skusHandedOver(planned: PlannedChange[]): string[] {
  const taken = new Set(
    planned.flatMap((p) => (typeof p.after.sku === "string" ? [p.after.sku] : [])),
  );
  return planned
    .filter((p) => typeof p.before.sku === "string" && taken.has(p.before.sku))
    .map((p) => p.row.id);
}

function describe(op: BulkOperation): string {
  switch (op.kind) {
    case "findReplace":
      return `Replace "${op.find.slice(0, 40)}" with "${op.replace.slice(0, 40)}" in ${op.field}`;
    case "priceChange":
      return `Price ${op.value >= 0 ? "+" : ""}${op.value}${op.mode === "percent" ? "%" : ""} (rounding ${op.rounding})`;
    case "setField":
      return `Set ${op.field}`;
    case "applyTemplate":
      return "Apply template";
    case "duplicate":
      return "Duplicate";
    case "delete":
      return "Delete";
  }
}

/** The title a duplicate gets (cut to the 500 characters a title holds). */
const copyTitle = (title: string) => `${title} (copy)`.slice(0, 500);

const sampleOf = (
  rows: { row: PlanRow; before: Record<string, unknown>; after: Record<string, unknown> }[],
) =>
  rows
    .slice(0, 20)
    .map((p) => ({ id: p.row.id, title: p.row.title, before: p.before, after: p.after }));

/** Shows what a bulk edit would change (counts and a sample) without writing anything. */
export async function previewBulkEdit(ctx: CoreContext, raw: BulkEditInput) {
  const { selection, operation: op } = BulkEditInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const where = whereOf(actor.userId, selection);
  if (op.kind === "priceChange")
    return { ...(await previewPriceChange(ctx.db, where, op)), rejected: [], rejectedCount: 0 };
  if (op.kind === "delete" || op.kind === "duplicate") {
    // Duplicating copies row by row, under the same limit as applying it (a delete is one
    // statement and has none).
    if (op.kind === "duplicate") await checkSize(ctx, where);
    const [c] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(listings).where(where);
    const sample = await ctx.db
      .select()
      .from(listings)
      .where(where)
      .orderBy(desc(listings.updatedAt))
      .limit(20);
    const n = Number(c?.n ?? 0);
    return {
      matched: n,
      changed: n,
      sample: sample.map((r) => ({
        id: r.id,
        title: r.title,
        before: op.kind === "delete" ? { title: r.title } : {},
        after: op.kind === "delete" ? {} : { title: copyTitle(r.title) },
      })),
      rejected: [],
      rejectedCount: 0,
    };
  }
  const template = op.kind === "applyTemplate" ? await getTemplate(ctx, op.templateId) : undefined;
  const rows = await loadPlanRows(ctx, where, false, fieldsToLoad(op, template?.fields));
  const { planned, rejected } = await rejectSkuClashes(
    ctx.db,
    actor.userId,
    await planChanges(rows, op, template?.fields),
  );
  return {
    matched: rows.length,
    changed: planned.length,
    sample: sampleOf(planned),
    /** The first 100 rejected rows, with their reasons; `rejectedCount` counts them all. */
    rejected: rejected.slice(0, 100),
    rejectedCount: rejected.length,
  };
}

/**
 * Plans `op` on rows read without locks; `replan` then takes the locked rows and works out again
 * only those whose version moved (or that were not there before), keeping the rest as planned.
 */
async function planOutsideTx(unlocked: PlanRow[], op: BulkOperation) {
  const first = await planChanges(unlocked, op);
  const versions = new Map(unlocked.map((r) => [r.id, r.version]));
  const planned = new Map(first.planned.map((p) => [p.row.id, p]));
  const rejected = new Map(first.rejected.map((r) => [r.id, r]));
  return {
    async replan(locked: PlanRow[]) {
      const moved = locked.filter((r) => versions.get(r.id) !== r.version);
      const again = moved.length ? await planChanges(moved, op) : { planned: [], rejected: [] };
      const movedIds = new Set(moved.map((r) => r.id));
      const out: typeof first = { planned: [], rejected: [] };
      for (const r of locked) {
        if (movedIds.has(r.id)) continue;
        const p = planned.get(r.id);
        if (p) out.planned.push({ ...p, row: r });
        const x = rejected.get(r.id);
        if (x) out.rejected.push(x);
      }
      out.planned.push(...again.planned);
      out.rejected.push(...again.rejected);
      return out;
    },
  };
}

/** Applies a bulk edit to a selection or filter as one change set (undoable). */
export async function applyBulkEdit(ctx: CoreContext, raw: BulkEditInput) {
  const { selection, operation: op } = BulkEditInput.parse(raw);
  const actor = requireActor(ctx, "write");
  const where = whereOf(actor.userId, selection);
  const summary = describe(op);
  const template = op.kind === "applyTemplate" ? await getTemplate(ctx, op.templateId) : undefined;
  // A find and replace may run for seconds: it is worked out before the transaction, so no row
  // lock or connection is held meanwhile, and only rows changed since are worked out again.
  const early =
    op.kind === "findReplace"
      ? await planOutsideTx(await loadPlanRows(ctx, where, false, fieldsToLoad(op)), op)
      : undefined;
  const out = await inTx(ctx, async (tx) => {
    const r = await (async () => {
      if (op.kind === "priceChange") {
        const r = await applyPriceChange(tx.db, actor.userId, where, op, summary);
        return {
          changeSetId: r.changeSetId,
          changed: r.changed,
          rejected: 0,
          upsert: r.ids,
          remove: [] as string[],
        };
      }
      if (op.kind === "delete") {
        // One statement deletes the rows and records their snapshots as change-set chunks.
        const changeSetId = await openChangeSet(tx.db, {
          ownerId: actor.userId,
          kind: "bulk-delete",
          summary,
        });
        const [d] = rowsOf<{ n: number; ids: string[] | null }>(
          await tx.db.execute(sql`
            with d as (
              delete from ${listings} where ${where}
              returning ${listings.id} as id, ${snapshotSql('"listings"')} as snap
            ), entries as (
              ${chunkInsertSql(
                changeSetId,
                sql`(select id as listing_id, 'delete'::text as op, snap as before, null::jsonb as after, null::int as version from d)`,
              )}
            )
            select count(*)::int as n, array_agg(id) as ids from d`),
        );
        const n = Number(d?.n ?? 0);
        if (!n) {
          await tx.db.delete(changeSets).where(eq(changeSets.id, changeSetId));
          return { changeSetId: null, changed: 0, rejected: 0, upsert: [], remove: [] };
        }
        await tx.db
          .update(changeSets)
          .set({ summary: `${summary}: ${n} listings`, rowCount: n })
          .where(eq(changeSets.id, changeSetId));
        return { changeSetId, changed: n, rejected: 0, upsert: [], remove: d?.ids ?? [] };
      }
      if (op.kind === "duplicate") {
        const rows = await loadRows(tx, where, true);
        const copies: NewListing[] = rows.map((r) => ({
          ownerId: actor.userId,
          title: copyTitle(r.title),
          price: priceText(r.price),
          currency: r.currency,
          condition: r.condition,
          description: r.description,
          category: r.category,
          offerShipping: r.offerShipping,
          sku: null,
          quantity: r.quantity,
          imageUrls: r.imageUrls,
          marketplaceFields: r.marketplaceFields,
          status: "draft",
          source: r.source,
          sourceRef: r.sourceRef,
        }));
        const created: Listing[] = [];
        for (let i = 0; i < copies.length; i += 1000)
          created.push(
            ...(await tx.db
              .insert(listings)
              .values(copies.slice(i, i + 1000))
              .returning()),
          );
        if (!created.length)
          return { changeSetId: null, changed: 0, rejected: 0, upsert: [], remove: [] };
        const changeSetId = await writeChangeSet(tx.db, {
          ownerId: actor.userId,
          kind: "duplicate",
          summary: `${summary}: ${created.length} listings`,
          entries: created.map((r) => ({
            listingId: r.id,
            op: "create" as const,
            before: null,
            after: fullSnapshot(r),
            currentVersion: r.version,
          })),
        });
        return {
          changeSetId,
          changed: created.length,
          rejected: 0,
          upsert: created.map((r) => r.id),
          remove: [],
        };
      }
      const rows = await loadPlanRows(tx, where, true, fieldsToLoad(op, template?.fields));
      const { planned, rejected } = await rejectSkuClashes(
        tx.db,
        actor.userId,
        early ? await early.replan(rows) : await planChanges(rows, op, template?.fields),
      );
      if (!planned.length)
        return { changeSetId: null, changed: 0, rejected: rejected.length, upsert: [], remove: [] };
      await releaseSkus(tx.db, actor.userId, skusHandedOver(planned));
      await applySnapshots(
        tx.db,
        actor.userId,
        planned.map((p) => ({ id: p.row.id, snapshot: p.after, version: p.row.version + 1 })),
      );
      const changeSetId = await writeChangeSet(tx.db, {
        ownerId: actor.userId,
        kind:
          op.kind === "applyTemplate"
            ? "template-apply"
            : op.kind === "setField"
              ? "set-field"
              : "find-replace",
        summary: `${template ? `Apply template "${template.name}"` : summary}: ${planned.length} listings`,
        entries: planned.map((p) => ({
          listingId: p.row.id,
          op: "update" as const,
          before: { ...p.before, version: p.row.version },
          after: { ...p.after, version: p.row.version + 1 },
          currentVersion: p.row.version + 1,
        })),
      });
      return {
        changeSetId,
        changed: planned.length,
        rejected: rejected.length,
        upsert: planned.map((p) => p.row.id),
        remove: [],
      };
    })();
    if (r.changeSetId)
      await recordAudit(tx, {
        action: `bulk_edit.${op.kind}`,
        resourceType: "change_set",
        resourceId: r.changeSetId,
        details: { changed: r.changed, rejected: r.rejected },
      });
    return r;
  }).catch((err) => {
    if (isUniqueViolation(err))
      throw new CoreError(
        "CONFLICT",
        "The result would give two listings the same SKU; nothing was changed",
      );
    throw err;
  });
  if (out.changeSetId) {
    if (template)
      await ctx.db.execute(
        sql`update templates set use_count = use_count + 1 where id = ${template.id}`,
      );
    await ctx.hooks.listingsChanged?.(actor.userId, { upsert: out.upsert, remove: out.remove });
  }
  return { changeSetId: out.changeSetId, changed: out.changed, rejected: out.rejected };
}
