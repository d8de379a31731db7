import { listings } from "@mbe/db";
import type { Marketplace } from "@mbe/formats";
import { and, eq, sql } from "drizzle-orm";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";
import { isUuid } from "../ids";
import { preparedPerDb } from "../prepared";
import { listingView } from "./view";

/** One of the caller's listings; another seller's id is simply not found. */
export async function getListing(ctx: CoreContext, id: string, marketplace?: Marketplace) {
  const actor = requireActor(ctx, "read");
  if (!isUuid(id)) throw notFound("Listing");
  // Outside a transaction the hot single-row read uses a statement prepared once per database.
  const [row] =
    ctx.db === ctx.rootDb
      ? await byIdQuery(ctx.rootDb).execute({ id, owner: actor.userId })
      : await ctx.db
          .select()
          .from(listings)
          .where(and(eq(listings.id, id), eq(listings.ownerId, actor.userId)));
  if (!row) throw notFound("Listing");
  return listingView(row, marketplace);
}

const byIdQuery = preparedPerDb((db) =>
  db
    .select()
    .from(listings)
    .where(
      and(eq(listings.id, sql.placeholder("id")), eq(listings.ownerId, sql.placeholder("owner"))),
    )
    .prepare("listing_by_id"),
);
