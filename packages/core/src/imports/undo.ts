import { imports } from "@mbe/db";
import { and, eq } from "drizzle-orm";
import { redoChangeSet, undoChangeSet } from "../change-sets/revert";
import { type CoreContext, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { importView } from "./view";

/** Reverts a committed import through its change set (409 when its listings changed since). */
export async function undoImport(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx, "write");
  const [imp] = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.id, id), eq(imports.ownerId, actor.userId)));
  if (!imp) throw notFound("Import");
  if (imp.status !== "committed" || !imp.changeSetId)
    throw new CoreError("CONFLICT", "Only a committed import can be undone");
  await undoChangeSet(ctx, imp.changeSetId);
  const [done] = await ctx.db
    .update(imports)
    .set({ status: "undone", updatedAt: new Date() })
    .where(eq(imports.id, id))
    .returning();
  if (!done) throw notFound("Import");
  return importView(done);
}

/** Re-applies an undone import. */
export async function redoImport(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx, "write");
  const [imp] = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.id, id), eq(imports.ownerId, actor.userId)));
  if (!imp) throw notFound("Import");
  if (imp.status !== "undone" || !imp.changeSetId)
    throw new CoreError("CONFLICT", "Only an undone import can be redone");
  await redoChangeSet(ctx, imp.changeSetId);
  const [done] = await ctx.db
    .update(imports)
    .set({ status: "committed", updatedAt: new Date() })
    .where(eq(imports.id, id))
    .returning();
  if (!done) throw notFound("Import");
  return importView(done);
}
