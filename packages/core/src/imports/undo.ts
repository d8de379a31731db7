import { imports } from "@mbe/db";
import { eq } from "drizzle-orm";
import { redoChangeSet, undoChangeSet } from "../change-sets/revert";
import { type CoreContext, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { ownImport } from "./own";
import { importView } from "./view";

/** Undo or redo a whole import through its change set (409 when its listings changed since). */
async function revertImport(ctx: CoreContext, id: string, direction: "undo" | "redo") {
  const actor = requireActor(ctx, "write");
  const imp = await ownImport(ctx, actor.userId, id);
  const from = direction === "undo" ? "committed" : "undone";
  if (imp.status !== from || !imp.changeSetId)
    throw new CoreError(
      "CONFLICT",
      `Only a ${from} import can be ${direction === "undo" ? "undone" : "redone"}`,
    );
  // Reverting the change set moves the import along in the same transaction (and refuses, 409,
  // when a racing call got there first).
  await (direction === "undo" ? undoChangeSet : redoChangeSet)(ctx, imp.changeSetId);
  const [done] = await ctx.db.select().from(imports).where(eq(imports.id, id));
  if (!done) throw notFound("Import");
  return importView(done);
}

/** Reverts a committed import through its change set (409 when its listings changed since). */
export const undoImport = (ctx: CoreContext, id: string) => revertImport(ctx, id, "undo");

/** Re-applies an undone import. */
export const redoImport = (ctx: CoreContext, id: string) => revertImport(ctx, id, "redo");
