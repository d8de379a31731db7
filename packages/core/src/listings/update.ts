import { listings } from "@mbe/db";
import { and, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { recordAudit } from "../audit/record";
import { writeChangeSet } from "../change-sets/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { columnsFromSnapshot, diffFields } from "./fields";
import {
  minorUnitProblem,
  UpdateListingInput,
  unknownKeyWarnings,
  unknownListingKeys,
} from "./schema";
import { isUniqueViolation } from "./unique";
import { listingView } from "./view";

/**
 * Edits one listing. With `version`, a stale edit is refused with VERSION_CONFLICT and the current
 * row in `details`, so the client can show the conflict instead of losing either edit. Keys of
 * `raw` that are no listing field are ignored and named in `warnings`.
 */
export async function updateListing(
  ctx: CoreContext,
  id: string,
  raw: z.input<typeof UpdateListingInput>,
) {
  const input = UpdateListingInput.parse(raw);
  const ignored = unknownListingKeys(raw, ["version"]);
  const actor = requireActor(ctx, "write");
  const result = await inTx(ctx, async (tx) => {
    const [row] = await tx.db
      .select()
      .from(listings)
      .where(and(eq(listings.id, id), eq(listings.ownerId, actor.userId)))
      .for("update");
    if (!row) throw notFound("Listing");
    if (input.version !== undefined && input.version !== row.version)
      throw new CoreError(
        "VERSION_CONFLICT",
        "This listing was changed by someone else; reload it",
        {
          details: { current: listingView(row) },
        },
      );
    const { version: _v, ...patch } = input;
    // The listing's currency or price may be the one not sent: judge the pair the edit leaves.
    if (patch.price !== undefined || patch.currency !== undefined) {
      const problem = minorUnitProblem(patch.price ?? row.price, patch.currency ?? row.currency);
      if (problem)
        throw new CoreError("VALIDATION_FAILED", problem, {
          details: { issues: [{ path: "price", message: problem }] },
        });
    }
    const { before, after, changed } = diffFields(row, patch);
    if (!changed) return { row, changeSetId: null };
    let updated: typeof row | undefined;
    try {
      [updated] = await tx.db
        .update(listings)
        .set({
          ...columnsFromSnapshot(after),
          version: sql`${listings.version} + 1`,
          updatedAt: new Date(),
        })
        .where(eq(listings.id, row.id))
        .returning();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new CoreError("CONFLICT", `SKU '${patch.sku}' is already used by another listing`);
      throw err;
    }
    if (!updated) throw notFound("Listing");
    const changeSetId = await writeChangeSet(tx.db, {
      ownerId: actor.userId,
      kind: "edit",
      summary: `Edited ${Object.keys(after).join(", ")} of "${row.title.slice(0, 60)}"`,
      entries: [
        {
          listingId: row.id,
          op: "update",
          before: { ...before, version: row.version },
          after: { ...after, version: updated.version },
          currentVersion: updated.version,
        },
      ],
    });
    await recordAudit(tx, {
      action: "listing.update",
      resourceType: "listing",
      resourceId: row.id,
      details: { fields: Object.keys(after), changeSetId },
    });
    return { row: updated, changeSetId };
  });
  if (result.changeSetId)
    await ctx.hooks.listingsChanged?.(actor.userId, { upsert: [id], remove: [] });
  return {
    ...listingView(result.row),
    changeSetId: result.changeSetId,
    ...(ignored.length ? { warnings: unknownKeyWarnings(ignored) } : {}),
  };
}
