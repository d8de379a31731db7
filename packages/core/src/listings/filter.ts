import { listingSearch, listings } from "@mbe/db";
import { and, eq, gte, inArray, lte, type SQL, sql } from "drizzle-orm";
import type { ListingFilter } from "./schema";

/** Escapes LIKE wildcards so a seller's `%` or `_` match literally. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The text a listing is found by (title, SKU and category), from `listing_search`, where the
 * trigram index lives; join it on `listing_search.listing_id = listings.id`.
 */
export const searchText = sql`${listingSearch.text}`;

/** Listings whose search text contains `q` (case-insensitive), answered from the trigram index. */
export function textMatch(ownerId: string, q: string): SQL {
  return sql`${listings.id} in (select ${listingSearch.listingId} from ${listingSearch} where ${listingSearch.ownerId} = ${ownerId}::uuid and ${listingSearch.text} ilike ${`%${likeEscape(q)}%`})`;
}

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
  if (f.q?.trim()) parts.push(textMatch(ownerId, f.q.trim()));
  return and(...parts) as SQL;
}
