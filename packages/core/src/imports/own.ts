import { type Import, imports } from "@mbe/db";
import { and, eq } from "drizzle-orm";
import type { CoreContext } from "../context";
import { notFound } from "../errors";

/** The import `id` when it belongs to `ownerId`; NOT_FOUND otherwise, whoever else owns it. */
export async function ownImport(ctx: CoreContext, ownerId: string, id: string): Promise<Import> {
  const [imp] = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.id, id), eq(imports.ownerId, ownerId)));
  if (!imp) throw notFound("Import");
  return imp;
}
