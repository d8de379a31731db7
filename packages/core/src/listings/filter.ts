import { listings } from "@mbe/db";
import { and, eq, gte, inArray, lte, type SQL, sql } from "drizzle-orm";
import type { ListingFilter } from "./schema";

/** Escapes LIKE wildcards so a seller's `%` or `_` match literally. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The text the trigram index covers; queries must use the same expression to hit it. */
export const searchExpr = sql`(coalesce(${listings.title}, '') || ' ' || coalesce(${listings.sku}, '') || ' ' || coalesce(${listings.category}, ''))`;

/** WHERE clause for one seller's listings matching a filter; the owner check is never optional. */
export function listingWhere(ownerId: string, f: ListingFilter = {}): SQL {
  const parts: (SQL | undefined)[] = [eq(listings.ownerId, ownerId)];
  if (f.status?.length) parts.push(inArray(listings.status, f.status));
  if (f.category) parts.push(eq(listings.category, f.category));
  if (f.condition) parts.push(eq(listings.condition, f.condition));
  if (f.priceMin !== undefined) parts.push(gte(listings.price, f.priceMin.toFixed(2)));
  if (f.priceMax !== undefined) parts.push(lte(listings.price, f.priceMax.toFixed(2)));
  if (f.source) parts.push(eq(listings.source, f.source));
  if (f.ids?.length) parts.push(inArray(listings.id, f.ids));
  if (f.q?.trim()) parts.push(sql`${searchExpr} ilike ${`%${likeEscape(f.q.trim())}%`}`);
  return and(...parts) as SQL;
}
