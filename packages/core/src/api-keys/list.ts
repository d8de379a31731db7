import { apiKeys } from "@mbe/db";
import { desc, eq } from "drizzle-orm";
import { type CoreContext, requireActor } from "../context";
import { apiKeyView } from "./view";

/** The caller's API keys, newest first. */
export async function listApiKeys(ctx: CoreContext) {
  const actor = requireActor(ctx, "read");
  const rows = await ctx.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.userId, actor.userId))
    .orderBy(desc(apiKeys.createdAt));
  return { items: rows.map(apiKeyView) };
}
