import { auditLogs } from "@mbe/db";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";
import { QueryFlag } from "../listings/schema";

export const ListAuditLogsInput = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Return entries older than this id (cursor). */
  before: z.coerce.number().int().positive().optional(),
  action: z.string().max(100).optional(),
  /** Admins only: every seller's entries instead of their own. */
  all: QueryFlag.optional(),
});
export type ListAuditLogsInput = z.infer<typeof ListAuditLogsInput>;

/** Audit entries of the caller's own data; admins may ask for everyone's. */
export async function listAuditLogs(ctx: CoreContext, input: ListAuditLogsInput) {
  const actor = requireActor(ctx, "read");
  const where: SQL[] = [];
  if (!(input.all && actor.role === "admin")) where.push(eq(auditLogs.ownerId, actor.userId));
  if (input.before) where.push(lt(auditLogs.id, input.before));
  if (input.action) where.push(eq(auditLogs.action, input.action));
  const rows = await ctx.db
    .select()
    .from(auditLogs)
    .where(and(...where))
    .orderBy(desc(auditLogs.id))
    .limit(input.limit + 1);
  const items = rows.slice(0, input.limit).map((r) => {
    const row = { ...r, createdAt: r.createdAt.toISOString() };
    // A seller's log also holds what an administrator did to their account: the seller sees that
    // it happened and by whom, not the administrator's address, browser or API key.
    if (actor.role === "admin" || !r.actorId || r.actorId === actor.userId) return row;
    const { apiKeyId: _key, ...details } = r.details;
    return { ...row, ip: null, userAgent: null, details };
  });
  const last = items.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? String(last.id) : null };
}
