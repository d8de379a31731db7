import { listings } from "@mbe/db";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { writeChangeSet } from "../change-sets/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { isUuid } from "../ids";
import { fullSnapshot } from "./fields";

export const BulkDeleteInput = z.object({ ids: z.array(z.string().max(100)).min(1).max(10_000) });
export type BulkDeleteInput = z.infer<typeof BulkDeleteInput>;

/** Deletes the caller's listings by id as one change set; unknown or foreign ids are reported. */
export async function bulkDeleteListings(ctx: CoreContext, raw: BulkDeleteInput) {
  const input = BulkDeleteInput.parse(raw);
  const actor = requireActor(ctx, "write");
  // PostgreSQL writes ids in lower case; an id sent in upper case names the same listing.
  const ids = [...new Set(input.ids.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))];
  const result = await inTx(ctx, async (tx) => {
    const deleted = ids.length
      ? await tx.db
          .delete(listings)
          .where(and(eq(listings.ownerId, actor.userId), inArray(listings.id, ids)))
          .returning()
      : [];
    if (deleted.length === 0) return { deleted, changeSetId: null };
    const changeSetId = await writeChangeSet(tx.db, {
      ownerId: actor.userId,
      kind: "delete",
      summary:
        deleted.length === 1
          ? `Deleted "${deleted[0]?.title.slice(0, 80)}"`
          : `Deleted ${deleted.length} listings`,
      entries: deleted.map((r) => ({
        listingId: r.id,
        op: "delete" as const,
        before: fullSnapshot(r),
        after: null,
        currentVersion: null,
      })),
    });
    await recordAudit(tx, {
      action: "listing.bulk_delete",
      resourceType: "change_set",
      resourceId: changeSetId,
      details: { count: deleted.length },
    });
    return { deleted, changeSetId };
  });
  const found = new Set(result.deleted.map((r) => r.id));
  const errors = input.ids
    .map((id, index) => ({ index, id }))
    .filter(({ id }) => !found.has(id.toLowerCase()))
    .map(({ index, id }) => ({ index, id, code: "NOT_FOUND", message: "Listing not found" }));
  if (found.size)
    await ctx.hooks.listingsChanged?.(actor.userId, { upsert: [], remove: [...found] });
  return { deleted: found.size, changeSetId: result.changeSetId, errors };
}
