import { type SQL, sql } from "drizzle-orm";

/**
 * The full JSON snapshot of a listing row built in SQL (same shape as fullSnapshot), so change-set
 * entries for inserted or deleted rows are written without a round trip through JavaScript.
 */
export function snapshotSql(alias: string): SQL {
  const a = sql.raw(alias);
  return sql`jsonb_build_object(
    'id', ${a}.id, 'title', ${a}.title, 'price', ${a}.price::text, 'currency', ${a}.currency,
    'condition', ${a}.condition, 'description', ${a}.description, 'category', ${a}.category,
    'offerShipping', ${a}.offer_shipping, 'sku', ${a}.sku, 'quantity', ${a}.quantity,
    'imageUrls', to_jsonb(${a}.image_urls), 'marketplaceFields', ${a}.marketplace_fields,
    'status', ${a}.status, 'source', ${a}.source, 'sourceRef', ${a}.source_ref,
    'version', ${a}.version, 'createdAt', ${a}.created_at)`;
}
