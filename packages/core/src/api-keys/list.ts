import { apiKeys } from "@mbe/db";
import { and, eq, getTableColumns, isNotNull, isNull } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";
import { descendingPage, pageInput } from "../paging";
import { apiKeyView } from "./view";

export const ListApiKeysInput = pageInput(100, 500).extend({
  /** Only keys still working (`active`, at most 25), only revoked ones, or both. */
  status: z.enum(["active", "revoked", "all"]).default("all"),
});

const STATUS = {
  active: isNull(apiKeys.revokedAt),
  revoked: isNotNull(apiKeys.revokedAt),
  all: undefined,
} as const;

/**
 * The caller's API keys, newest first, a page at a time: revoked keys stay listed (with when they
 * were last used) however many pile up, so the list pages like every other collection.
 */
export async function listApiKeys(ctx: CoreContext, raw: z.input<typeof ListApiKeysInput> = {}) {
  const input = ListApiKeysInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const paging = descendingPage(
    [{ col: apiKeys.createdAt, kind: "timestamp" }],
    apiKeys.id,
    input.cursor,
  );
  const rows = await ctx.db
    .select({ ...getTableColumns(apiKeys), pageKey: paging.keyText })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, actor.userId), STATUS[input.status], paging.after))
    .orderBy(...paging.orderBy)
    .limit(input.limit + 1);
  const { items, nextCursor } = paging.page(rows, input.limit);
  return { items: items.map(apiKeyView), nextCursor };
}
