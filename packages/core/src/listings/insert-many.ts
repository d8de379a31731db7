import { type DbOrTx, listings, type NewListing, rowsOf } from "@mbe/db";
import { type SQL, sql } from "drizzle-orm";
import { chunkInsertSql } from "../change-sets/record";
import { priceText } from "./fields";

const BATCH = 5000;

/** Column list of a listing record travelling as JSON (`jsonb_to_record(set)` … `as x(…)`). */
export const RECORD_COLUMNS = sql.raw(
  "id uuid, owner_id uuid, title text, price numeric, currency text, condition text, description text, category text, offer_shipping boolean, sku text, quantity int, image_urls text[], marketplace_fields jsonb, status text, source text, source_ref text, version int, created_at timestamptz",
);

/** A new listing as the JSON record that {@link insertRecords} reads. */
export function toRecord(r: NewListing & { id: string }) {
  return {
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
  };
}

/**
 * Inserts the records selected by `from` (a FROM clause exposing them as `x`) and, given a change
 * set, their "create" entries — one statement. A create entry records only the listing and its
 * version: while that version stands the listing is its own snapshot, taken by undo.
 */
export async function insertRecords(
  db: DbOrTx,
  changeSetId: string | null,
  from: SQL,
): Promise<{ id: string; version: number }[]> {
  const insert = sql`insert into ${listings} (id, owner_id, title, price, currency, condition, description, category, offer_shipping, sku, quantity, image_urls, marketplace_fields, status, source, source_ref, version, created_at)
    select x.id, x.owner_id, x.title, x.price, x.currency, x.condition, coalesce(x.description, ''), x.category, coalesce(x.offer_shipping, false), x.sku, coalesce(x.quantity, 1),
      coalesce(x.image_urls, '{}'), coalesce(x.marketplace_fields, '{}'::jsonb), x.status::listing_status, x.source::listing_source, x.source_ref, coalesce(x.version, 1), coalesce(x.created_at, now())
    from ${from}
    returning id, version`;
  const result = changeSetId
    ? await db.execute(sql`with ins as (${insert}),
        entries as (${chunkInsertSql(changeSetId, sql`(select id as listing_id, 'create'::text as op, null::jsonb as before, null::jsonb as after, version from ins)`)})
        select id, version from ins`)
    : await db.execute(sql`with ins as (${insert}) select id, version from ins`);
  return rowsOf<{ id: string; version: number }>(result);
}

/**
 * Inserts many listings (ids chosen by the caller) and their change-set entries; rows travel as
 * one JSON parameter per batch, far cheaper than bind parameters per column, on both drivers.
 */
export async function insertListingsWithEntries(
  db: DbOrTx,
  changeSetId: string | null,
  rows: (NewListing & { id: string })[],
): Promise<{ id: string; version: number }[]> {
  const out: { id: string; version: number }[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const payload = JSON.stringify(rows.slice(i, i + BATCH).map(toRecord));
    out.push(
      ...(await insertRecords(
        db,
        changeSetId,
        sql`jsonb_to_recordset(${payload}::jsonb) as x(${RECORD_COLUMNS})`,
      )),
    );
  }
  return out;
}
