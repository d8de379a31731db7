import { type Listing, listings } from "@mbe/db";
import { and, eq, inArray } from "drizzle-orm";
import type { CoreContext } from "../context";

/**
 * The owner's listings among the ids the index returned, by id. Index hits are only candidates:
 * loading them by owner means a deleted listing or another seller's id never comes back.
 */
export async function ownListingsById(
  ctx: CoreContext,
  ownerId: string,
  ids: string[],
): Promise<Map<string, Listing>> {
  if (!ids.length) return new Map();
  const rows = await ctx.db
    .select()
    .from(listings)
    .where(and(eq(listings.ownerId, ownerId), inArray(listings.id, ids)));
  return new Map(rows.map((r) => [r.id, r]));
}
