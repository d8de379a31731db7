import { listings } from "@mbe/db";
import type { Marketplace } from "@mbe/formats";
import { and, eq } from "drizzle-orm";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";
import { isUuid } from "../ids";
import { listingView } from "./view";

/** One of the caller's listings; another seller's id is simply not found. */
export async function getListing(ctx: CoreContext, id: string, marketplace?: Marketplace) {
  const actor = requireActor(ctx, "read");
  if (!isUuid(id)) throw notFound("Listing");
  const [row] = await ctx.db
    .select()
    .from(listings)
    .where(and(eq(listings.id, id), eq(listings.ownerId, actor.userId)));
  if (!row) throw notFound("Listing");
  return listingView(row, marketplace);
}
