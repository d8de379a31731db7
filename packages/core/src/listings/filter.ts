import { listingSearch, listings } from "@mbe/db";
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { CoreContext } from "../context";
import { CoreError } from "../errors";
import { isUuid } from "../ids";
import { ListingFilter } from "./schema";

/** Escapes LIKE wildcards so a seller's `%` or `_` match literally. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The text a listing is found by (title, SKU and category), from `listing_search`, where the
 * trigram index lives; join it on `listing_search.listing_id = listings.id`.
 */
export const searchText = sql`${listingSearch.text}`;

/** Listings whose search text contains `q` (case-insensitive), answered from the trigram index. */
export function textMatch(ownerId: string, q: string): SQL {
  return sql`${listings.id} in (select ${listingSearch.listingId} from ${listingSearch} where ${textContains(ownerId, q)})`;
}

function textContains(ownerId: string, q: string): SQL {
  return sql`${listingSearch.ownerId} = ${ownerId}::uuid and ${listingSearch.text} ilike ${`%${likeEscape(q)}%`}`;
}

const FILTER_KEYS = Object.keys(ListingFilter.shape) as (keyof ListingFilter)[];

/**
 * How many of a seller's listings match `f`. A filter on the text alone is counted in
 * `listing_search` without joining `listings` (the triggers keep one row there per listing):
 * 2–3× faster for a broad word, which is when a count is slow.
 */
export async function countListings(
  db: CoreContext["db"],
  ownerId: string,
  f: ListingFilter,
): Promise<number> {
  const q = f.q?.trim();
  const textOnly =
    q &&
    FILTER_KEYS.every((k) => {
      if (k === "q") return true;
      const v = f[k];
      return v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
    });
  const [row] = textOnly
    ? await db
        .select({ n: sql<number>`count(*)::int` })
        .from(listingSearch)
        .where(textContains(ownerId, q))
    : await db
        .select({ n: sql<number>`count(*)::int` })
        .from(listings)
        .where(listingWhere(ownerId, f));
  return Number(row?.n ?? 0);
}

/**
 * `listings.id` is one of `ids`, sent as ONE array parameter: a selection may hold up to 100,000
 * ids, past the 65,535 bind parameters a statement can carry as `in ($1, $2, …)`.
 */
function idIn(ids: readonly string[]): SQL {
  if (!ids.every(isUuid)) throw new CoreError("VALIDATION_FAILED", "Listing ids are UUIDs");
  return sql`${listings.id} = any(${`{${ids.join(",")}}`}::uuid[])`;
}

/** WHERE clause for one seller's listings matching a filter; the owner check is never optional. */
export function listingWhere(ownerId: string, f: ListingFilter = {}): SQL {
  const parts: (SQL | undefined)[] = [eq(listings.ownerId, ownerId)];
  if (f.status?.length) parts.push(inArray(listings.status, f.status));
  if (f.category) parts.push(eq(listings.category, f.category));
  if (f.condition) parts.push(eq(listings.condition, f.condition));
  // The bounds as given, not rounded to cents: a maximum of 10.499 must leave out 10.50.
  if (f.priceMin !== undefined)
    parts.push(sql`${listings.price} >= ${String(f.priceMin)}::numeric`);
  if (f.priceMax !== undefined)
    parts.push(sql`${listings.price} <= ${String(f.priceMax)}::numeric`);
  if (f.source) parts.push(eq(listings.source, f.source));
  if (f.ids?.length) parts.push(idIn(f.ids));
  if (f.q?.trim()) parts.push(textMatch(ownerId, f.q.trim()));
  return and(...parts) as SQL;
}
