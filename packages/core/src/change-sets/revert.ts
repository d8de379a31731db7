import { type ChangeSetEntry, changeSetEntries, changeSets, listings } from "@mbe/db";
import { and, eq, inArray, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { applySnapshots } from "../listings/apply-snapshots";
import { rowFromSnapshot, type Snapshot } from "../listings/fields";

type Direction = "undo" | "redo";

/**
 * Undo or redo a change set as one transaction. Every row must still be at the version the change
 * set last left it at; if any row moved on, nothing is touched and VERSION_CONFLICT lists them.
 */
async function revert(ctx: CoreContext, id: string, direction: Direction) {
  const actor = requireActor(ctx, "write");
  const result = await inTx(ctx, async (tx) => {
    const [cs] = await tx.db
      .select()
      .from(changeSets)
      .where(and(eq(changeSets.id, id), eq(changeSets.ownerId, actor.userId)))
      .for("update");
    if (!cs) throw notFound("Change set");
    const wanted = direction === "undo" ? "applied" : "undone";
    if (cs.status !== wanted)
      throw new CoreError(
        "CONFLICT",
        direction === "undo"
          ? "This change set is already undone"
          : "Only an undone change set can be redone",
      );
    const entries = await tx.db
      .select()
      .from(changeSetEntries)
      .where(eq(changeSetEntries.changeSetId, cs.id));
    const ids = entries.map((e) => e.listingId);
    const current = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 5000) {
      const rows = await tx.db
        .select({ id: listings.id, version: listings.version })
        .from(listings)
        .where(
          and(eq(listings.ownerId, actor.userId), inArray(listings.id, ids.slice(i, i + 5000))),
        )
        .for("update");
      for (const r of rows) current.set(r.id, r.version);
    }
    const conflicts = entries
      .filter((e) => (current.get(e.listingId) ?? null) !== e.currentVersion)
      .map((e) => e.listingId);
    if (conflicts.length > 0)
      throw new CoreError(
        "VERSION_CONFLICT",
        `${conflicts.length} listing(s) changed since; ${direction} refused`,
        {
          details: { listingIds: conflicts.slice(0, 100) },
        },
      );

    const removeIds: string[] = [];
    const inserts: ReturnType<typeof rowFromSnapshot>[] = [];
    const updates: { entry: ChangeSetEntry; values: Snapshot }[] = [];
    for (const e of entries) {
      // What this direction must make the row look like.
      const target = direction === "undo" ? e.before : e.after;
      const existing = current.get(e.listingId);
      if (target === null) removeIds.push(e.listingId);
      else if (existing === undefined)
        inserts.push(
          rowFromSnapshot(
            actor.userId,
            { ...target, id: e.listingId },
            Number(target.version ?? 0) + 1,
          ),
        );
      else updates.push({ entry: e, values: target });
    }
    const newVersion = new Map<string, number | null>();
    for (let i = 0; i < removeIds.length; i += 5000) {
      await tx.db
        .delete(listings)
        .where(
          and(
            eq(listings.ownerId, actor.userId),
            inArray(listings.id, removeIds.slice(i, i + 5000)),
          ),
        );
    }
    for (const id of removeIds) newVersion.set(id, null);
    for (const row of inserts) newVersion.set(row.id as string, row.version ?? 1);
    for (let i = 0; i < inserts.length; i += 1000)
      await tx.db.insert(listings).values(inserts.slice(i, i + 1000));
    const patches = updates.map((u) => ({
      id: u.entry.listingId,
      snapshot: u.values,
      version: (current.get(u.entry.listingId) ?? 0) + 1,
    }));
    await applySnapshots(tx.db, actor.userId, patches);
    for (const p of patches) newVersion.set(p.id, p.version);
    // Remember the versions this revert produced so the next undo/redo can detect later edits.
    const pairs = entries.map((e) => [e.id, newVersion.get(e.listingId) ?? null] as const);
    for (let i = 0; i < pairs.length; i += 5000) {
      const chunk = pairs.slice(i, i + 5000);
      const values = sql.join(
        chunk.map(([eid, v]) => sql`(${eid}::bigint, ${v}::int)`),
        sql`, `,
      );
      await tx.db.execute(
        sql`update ${changeSetEntries} set current_version = v.version from (values ${values}) as v(id, version) where ${changeSetEntries.id} = v.id`,
      );
    }
    const now = new Date();
    await tx.db
      .update(changeSets)
      .set(
        direction === "undo"
          ? { status: "undone", undoneAt: now }
          : { status: "applied", redoneAt: now },
      )
      .where(eq(changeSets.id, cs.id));
    await recordAudit(tx, {
      action: `change_set.${direction}`,
      resourceType: "change_set",
      resourceId: cs.id,
      details: { rows: entries.length, kind: cs.kind },
    });
    return {
      id: cs.id,
      status: direction === "undo" ? ("undone" as const) : ("applied" as const),
      rowCount: entries.length,
      upsert: [...inserts.map((r) => r.id as string), ...updates.map((u) => u.entry.listingId)],
      remove: removeIds,
    };
  });
  await ctx.hooks.listingsChanged?.(actor.userId, { upsert: result.upsert, remove: result.remove });
  return { id: result.id, status: result.status, rowCount: result.rowCount };
}

/** Reverts a change set (409 when a row changed since). */
export const undoChangeSet = (ctx: CoreContext, id: string) => revert(ctx, id, "undo");
/** Re-applies an undone change set (409 when a row changed since). */
export const redoChangeSet = (ctx: CoreContext, id: string) => revert(ctx, id, "redo");
