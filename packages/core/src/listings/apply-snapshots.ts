import { type DbOrTx, listings } from "@mbe/db";
import { type SQL, sql } from "drizzle-orm";
import type { Snapshot } from "./fields";

/**
 * SET assignments taking each editable field from the JSON snapshot `json` when it has the key,
 * keeping the column otherwise (target table aliased `l`).
 */
export function snapshotSetClause(json: string): SQL {
  const j = sql.raw(json);
  const pick = (field: string, expr: SQL, column: string) =>
    sql`case when ${j} ? ${field} then ${expr} else ${sql.raw(`l.${column}`)} end`;
  return sql`title = ${pick("title", sql`${j}->>'title'`, "title")},
        price = ${pick("price", sql`(${j}->>'price')::numeric`, "price")},
        currency = ${pick("currency", sql`${j}->>'currency'`, "currency")},
        condition = ${pick("condition", sql`${j}->>'condition'`, "condition")},
        description = ${pick("description", sql`coalesce(${j}->>'description', '')`, "description")},
        category = ${pick("category", sql`${j}->>'category'`, "category")},
        offer_shipping = ${pick("offerShipping", sql`(${j}->>'offerShipping')::boolean`, "offer_shipping")},
        sku = ${pick("sku", sql`${j}->>'sku'`, "sku")},
        quantity = ${pick("quantity", sql`(${j}->>'quantity')::int`, "quantity")},
        image_urls = ${pick("imageUrls", sql`array(select jsonb_array_elements_text(${j}->'imageUrls'))`, "image_urls")},
        marketplace_fields = ${pick("marketplaceFields", sql`${j}->'marketplaceFields'`, "marketplace_fields")},
        status = ${pick("status", sql`(${j}->>'status')::listing_status`, "status")}`;
}

/**
 * Writes partial snapshots to many listings in one statement per batch: a field absent from a
 * row's snapshot keeps its value. Used by undo/redo and bulk edits, where per-row UPDATEs are slow.
 */
export async function applySnapshots(
  db: DbOrTx,
  ownerId: string,
  items: { id: string; snapshot: Snapshot; version: number }[],
): Promise<void> {
  for (let i = 0; i < items.length; i += 5000) {
    const chunk = items.slice(i, i + 5000);
    const payload = JSON.stringify(
      chunk.map((it) => ({ id: it.id, s: it.snapshot, version: it.version })),
    );
    await db.execute(sql`
      update ${listings} as l set ${snapshotSetClause("v.s")},
        version = v.version,
        updated_at = now()
      from jsonb_to_recordset(${payload}::jsonb) as v(id uuid, s jsonb, version int)
      where l.id = v.id and l.owner_id = ${ownerId}::uuid`);
  }
}

/**
 * The hand-overs refused because their SKU stays where it is: those taking the SKU of a listing in
 * `keeping` (its own change refused, or not changing its SKU), then those taking the SKU of a
 * listing so refused, and so on down the chain (a rotation with one refused row is refused whole).
 * Each hand-over is a listing (`id`) taking the SKU its `holder` gives up.
 */
export function refusedHandOvers<T extends { id: string; holder: string }>(
  takes: T[],
  keeping: Iterable<string>,
): T[] {
  const byHolder = new Map<string, T[]>();
  for (const t of takes) {
    const list = byHolder.get(t.holder);
    if (list) list.push(t);
    else byHolder.set(t.holder, [t]);
  }
  const refused = new Set<string>();
  const out: T[] = [];
  const stack = [...keeping];
  for (let holder = stack.pop(); holder !== undefined; holder = stack.pop())
    for (const t of byHolder.get(holder) ?? []) {
      if (refused.has(t.id)) continue;
      refused.add(t.id);
      out.push(t);
      stack.push(t.id);
    }
  return out;
}

/**
 * Of the listings a write gives a SKU (`next`, null to clear it), those giving up the SKU they hold
 * (`held`) to another listing of the same write: the ones {@link releaseSkus} must clear first.
 */
export function givingUpSkus<T extends { next: string | null; held: string | null }>(
  rows: readonly T[],
): T[] {
  const taken = new Set<string>();
  for (const r of rows) if (r.next !== null) taken.add(r.next);
  return rows.filter((r) => r.held !== null && r.held !== r.next && taken.has(r.held));
}

/**
 * Clears the SKU of listings whose SKU another listing of the same write takes (SKUs swapped, or
 * a column of SKUs pasted one row off). The unique index on (owner, sku) is checked row by row
 * within a statement, so the rows giving a SKU up lose it first and the index only sees the SKUs
 * the write leaves. Call inside the write's transaction, before the rows are written.
 */
export async function releaseSkus(db: DbOrTx, ownerId: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await db.execute(sql`
    update ${listings} set sku = null
    where owner_id = ${ownerId}::uuid
      and id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)`);
}
