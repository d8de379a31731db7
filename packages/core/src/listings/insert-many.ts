import { changeSetEntries, type DbOrTx, listings, type NewListing, rowsOf } from "@mbe/db";
import { sql } from "drizzle-orm";
import { priceText } from "./fields";
import { snapshotSql } from "./sql-snapshot";

const BATCH = 5000;

/**
 * Inserts many listings (ids chosen by the caller) and their "create" change-set entries in one
 * statement per batch: the rows travel as one JSON parameter, which is far cheaper than bind
 * parameters per column and works the same on PostgreSQL and PGlite.
 */
export async function insertListingsWithEntries(
  db: DbOrTx,
  changeSetId: string | null,
  rows: (NewListing & { id: string })[],
): Promise<{ id: string; version: number }[]> {
  const out: { id: string; version: number }[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH).map((r) => ({
      id: r.id,
      owner_id: r.ownerId,
      title: r.title,
      price: priceText(r.price),
      currency: r.currency ?? "USD",
      condition: r.condition ?? null,
      description: r.description ?? "",
      category: r.category ?? null,
      offer_shipping: r.offerShipping ?? false,
      sku: r.sku ?? null,
      quantity: r.quantity ?? 1,
      image_urls: r.imageUrls ?? [],
      marketplace_fields: r.marketplaceFields ?? {},
      status: r.status ?? "draft",
      source: r.source ?? "manual",
      source_ref: r.sourceRef ?? null,
      version: r.version ?? 1,
      created_at: r.createdAt ? new Date(r.createdAt).toISOString() : null,
    }));
    const insert = sql`insert into ${listings} (id, owner_id, title, price, currency, condition, description, category, offer_shipping, sku, quantity, image_urls, marketplace_fields, status, source, source_ref, version, created_at)
      select x.id, x.owner_id, x.title, x.price, x.currency, x.condition, x.description, x.category, x.offer_shipping, x.sku, x.quantity,
        array(select jsonb_array_elements_text(x.image_urls)), x.marketplace_fields, x.status::listing_status, x.source::listing_source, x.source_ref, x.version, coalesce(x.created_at, now())
      from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as x(id uuid, owner_id uuid, title text, price numeric, currency text, condition text, description text, category text, offer_shipping boolean, sku text, quantity int, image_urls jsonb, marketplace_fields jsonb, status text, source text, source_ref text, version int, created_at timestamptz)
      returning *`;
    const result = changeSetId
      ? await db.execute(sql`with ins as (${insert})
          insert into ${changeSetEntries} (change_set_id, listing_id, op, before, after, current_version)
          select ${changeSetId}::uuid, ins.id, 'create', null, ${snapshotSql("ins")}, ins.version from ins
          returning listing_id as id, current_version as version`)
      : await db.execute(sql`with ins as (${insert}) select id, version from ins`);
    out.push(...rowsOf<{ id: string; version: number }>(result));
  }
  return out;
}
