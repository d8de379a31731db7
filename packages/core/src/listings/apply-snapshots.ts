import { type DbOrTx, listings } from "@mbe/db";
import { sql } from "drizzle-orm";
import type { Snapshot } from "./fields";

/**
 * Writes partial snapshots to many listings in one statement per batch: a field absent from a
 * row's snapshot keeps its value. Used by undo/redo and bulk edits, where per-row UPDATEs are slow.
 */
export async function applySnapshots(
  db: DbOrTx,
  ownerId: string,
  items: { id: string; snapshot: Snapshot; version: number }[],
): Promise<void> {
  const pick = (field: string, expr: ReturnType<typeof sql>, column: ReturnType<typeof sql>) =>
    sql`case when v.s ? ${field} then ${expr} else ${column} end`;
  for (let i = 0; i < items.length; i += 5000) {
    const chunk = items.slice(i, i + 5000);
    const payload = JSON.stringify(chunk.map((it) => ({ id: it.id, s: it.snapshot, version: it.version })));
    await db.execute(sql`
      update ${listings} as l set
        title = ${pick("title", sql`v.s->>'title'`, sql`l.title`)},
        price = ${pick("price", sql`(v.s->>'price')::numeric`, sql`l.price`)},
        currency = ${pick("currency", sql`v.s->>'currency'`, sql`l.currency`)},
        condition = ${pick("condition", sql`v.s->>'condition'`, sql`l.condition`)},
        description = ${pick("description", sql`coalesce(v.s->>'description', '')`, sql`l.description`)},
        category = ${pick("category", sql`v.s->>'category'`, sql`l.category`)},
        offer_shipping = ${pick("offerShipping", sql`(v.s->>'offerShipping')::boolean`, sql`l.offer_shipping`)},
        sku = ${pick("sku", sql`v.s->>'sku'`, sql`l.sku`)},
        quantity = ${pick("quantity", sql`(v.s->>'quantity')::int`, sql`l.quantity`)},
        image_urls = ${pick("imageUrls", sql`array(select jsonb_array_elements_text(v.s->'imageUrls'))`, sql`l.image_urls`)},
        marketplace_fields = ${pick("marketplaceFields", sql`v.s->'marketplaceFields'`, sql`l.marketplace_fields`)},
        status = ${pick("status", sql`(v.s->>'status')::listing_status`, sql`l.status`)},
        version = v.version,
        updated_at = now()
      from jsonb_to_recordset(${payload}::jsonb) as v(id uuid, s jsonb, version int)
      where l.id = v.id and l.owner_id = ${ownerId}::uuid`);
  }
}
