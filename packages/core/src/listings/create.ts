import { listings } from "@mbe/db";
import type { z } from "zod";
import { recordAudit } from "../audit/record";
import { writeChangeSet } from "../change-sets/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError } from "../errors";
import { fullSnapshot, priceText } from "./fields";
import { CreateListingInput, unknownKeyWarnings, unknownListingKeys } from "./schema";
import { isUniqueViolation } from "./unique";
import { listingView } from "./view";

/**
 * Creates one listing (a change set of one row, so it can be undone). Keys of `raw` that are no
 * listing field are ignored and named in `warnings`, as a bulk upsert names them per row.
 */
export async function createListing(ctx: CoreContext, raw: z.input<typeof CreateListingInput>) {
  const input = CreateListingInput.parse(raw);
  const ignored = unknownListingKeys(raw);
  const actor = requireActor(ctx, "write");
  const row = await inTx(ctx, async (tx) => {
    let created: typeof listings.$inferSelect | undefined;
    try {
      [created] = await tx.db
        .insert(listings)
        .values({
          ...input,
          price: priceText(input.price),
          ownerId: actor.userId,
          source: actor.via === "api_key" ? "api" : "manual",
          sourceRef: actor.apiKeyId ?? null,
        })
        .returning();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new CoreError("CONFLICT", `SKU '${input.sku}' is already used by another listing`);
      throw err;
    }
    if (!created) throw new CoreError("INTERNAL", "Listing not created");
    const changeSetId = await writeChangeSet(tx.db, {
      ownerId: actor.userId,
      kind: "create",
      summary: `Created "${created.title.slice(0, 80)}"`,
      entries: [
        {
          listingId: created.id,
          op: "create",
          before: null,
          after: fullSnapshot(created),
          currentVersion: created.version,
        },
      ],
    });
    await recordAudit(tx, {
      action: "listing.create",
      resourceType: "listing",
      resourceId: created.id,
      details: { changeSetId },
    });
    return { created, changeSetId };
  });
  await ctx.hooks.listingsChanged?.(actor.userId, { upsert: [row.created.id], remove: [] });
  return {
    ...listingView(row.created),
    changeSetId: row.changeSetId,
    ...(ignored.length ? { warnings: unknownKeyWarnings(ignored) } : {}),
  };
}
