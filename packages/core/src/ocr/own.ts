import { ocrScans } from "@mbe/db";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";

/** The caller's scan `id` (with the actor); NOT_FOUND for a malformed id or another seller's scan. */
export async function ownScan(ctx: CoreContext, id: string, scope: "read" | "write" = "read") {
  const actor = requireActor(ctx, scope);
  if (!z.uuid().safeParse(id).success) throw notFound("Scan");
  const [s] = await ctx.db
    .select()
    .from(ocrScans)
    .where(and(eq(ocrScans.id, id), eq(ocrScans.ownerId, actor.userId)));
  if (!s) throw notFound("Scan");
  return { actor, scan: s };
}
