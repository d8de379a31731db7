import { listings } from "@mbe/db";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { writeChangeSet } from "../change-sets/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { fullSnapshot } from "../listings/fields";
import { listingView } from "../listings/view";
import { requireSearch, searchCall } from "./errors";
import { ownListingsById } from "./own-hits";

export const ListDuplicatesInput = z.object({
  threshold: z.coerce.number().gt(0).max(1).default(0.95),
});

/** Groups of the caller's listings that are likely the same item. */
export async function listDuplicates(ctx: CoreContext, raw: z.input<typeof ListDuplicatesInput>) {
  const input = ListDuplicatesInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const search = requireSearch(ctx);
  const groups = await searchCall(ctx, () =>
    search.index.duplicates(actor.userId, { threshold: input.threshold }),
  );
  const byId = await ownListingsById(ctx, actor.userId, groups.flat().slice(0, 10_000));
  const out = groups
    .map((g) =>
      g.flatMap((id) => {
        const row = byId.get(id);
        return row ? [listingView(row)] : [];
      }),
    )
    .filter((g) => g.length > 1);
  return { groups: out };
}

export const MergeDuplicatesInput = z.object({
  keepId: z.uuid(),
  mergeIds: z.array(z.uuid()).min(1).max(100),
  /** merge: the kept listing gets the others' quantities and pictures; delete: just remove them. */
  mode: z.enum(["merge", "delete"]).default("merge"),
});
export type MergeDuplicatesInput = z.input<typeof MergeDuplicatesInput>;

/** Keeps one listing of a duplicate group and folds the others into it, as one change set. */
export async function mergeDuplicates(ctx: CoreContext, raw: MergeDuplicatesInput) {
  const input = MergeDuplicatesInput.parse(raw);
  const actor = requireActor(ctx, "write");
  if (input.mergeIds.includes(input.keepId))
    throw new CoreError("VALIDATION_FAILED", "The kept listing cannot also be merged away");
  const result = await inTx(ctx, async (tx) => {
    const rows = await tx.db
      .select()
      .from(listings)
      .where(
        and(
          eq(listings.ownerId, actor.userId),
          inArray(listings.id, [input.keepId, ...input.mergeIds]),
        ),
      )
      .for("update");
    const keep = rows.find((r) => r.id === input.keepId);
    const others = rows.filter((r) => r.id !== input.keepId);
    if (!keep || others.length !== new Set(input.mergeIds).size) throw notFound("Listing");
    const entries = [];
    if (input.mode === "merge") {
      const quantity = keep.quantity + others.reduce((n, r) => n + r.quantity, 0);
      const imageUrls = [
        ...new Set([...keep.imageUrls, ...others.flatMap((r) => r.imageUrls)]),
      ].slice(0, 24);
      const [updated] = await tx.db
        .update(listings)
        .set({ quantity, imageUrls, version: keep.version + 1, updatedAt: new Date() })
        .where(eq(listings.id, keep.id))
        .returning();
      if (!updated) throw notFound("Listing");
      entries.push({
        listingId: keep.id,
        op: "update" as const,
        before: { quantity: keep.quantity, imageUrls: keep.imageUrls, version: keep.version },
        after: { quantity, imageUrls, version: updated.version },
        currentVersion: updated.version,
      });
    }
    await tx.db.delete(listings).where(
      and(
        eq(listings.ownerId, actor.userId),
        inArray(
          listings.id,
          others.map((r) => r.id),
        ),
      ),
    );
    for (const r of others)
      entries.push({
        listingId: r.id,
        op: "delete" as const,
        before: fullSnapshot(r),
        after: null,
        currentVersion: null,
      });
    const changeSetId = await writeChangeSet(tx.db, {
      ownerId: actor.userId,
      kind: "merge-duplicates",
      summary: `${input.mode === "merge" ? "Merged" : "Deleted"} ${others.length} duplicate(s) of "${keep.title.slice(0, 60)}"`,
      entries,
    });
    await recordAudit(tx, {
      action: "listing.merge_duplicates",
      resourceType: "change_set",
      resourceId: changeSetId,
      details: { keepId: keep.id, removed: others.length },
    });
    return { changeSetId, removed: others.map((r) => r.id) };
  });
  await ctx.hooks.listingsChanged?.(actor.userId, {
    upsert: [input.keepId],
    remove: result.removed,
  });
  return { changeSetId: result.changeSetId, removed: result.removed.length };
}
