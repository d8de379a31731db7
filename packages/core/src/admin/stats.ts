import { apiKeys, auditLogs, changeSets, listings, refreshTokens, users } from "@mbe/db";
import { and, gt, isNull, sql } from "drizzle-orm";
import { type CoreContext, requireAdmin } from "../context";

const n = sql<number>`count(*)::int`;

/** System-wide counts for administrators (accounts, catalog size, activity in the last 24 h). */
export async function systemStats(ctx: CoreContext) {
  requireAdmin(ctx);
  const dayAgo = new Date(Date.now() - 86_400_000);
  const now = new Date();
  const [u] = await ctx.db
    .select({
      total: n,
      active: sql<number>`(count(*) filter (where ${users.active}))::int`,
      admins: sql<number>`(count(*) filter (where ${users.role} = 'admin'))::int`,
      locked: sql<number>`(count(*) filter (where ${users.lockedUntil} > now()))::int`,
      newToday: sql<number>`(count(*) filter (where ${users.createdAt} > ${dayAgo.toISOString()}::timestamptz))::int`,
    })
    .from(users);
  const [l] = await ctx.db.select({ total: n }).from(listings);
  const [cs] = await ctx.db
    .select({ total: n })
    .from(changeSets)
    .where(gt(changeSets.createdAt, dayAgo));
  const [al] = await ctx.db
    .select({
      total: n,
      failures: sql<number>`(count(*) filter (where ${auditLogs.outcome} = 'failure'))::int`,
    })
    .from(auditLogs)
    .where(gt(auditLogs.createdAt, dayAgo));
  const [sessions] = await ctx.db
    .select({ total: n })
    .from(refreshTokens)
    .where(
      and(
        isNull(refreshTokens.revokedAt),
        isNull(refreshTokens.rotatedAt),
        gt(refreshTokens.expiresAt, now),
      ),
    );
  const [keys] = await ctx.db.select({ total: n }).from(apiKeys).where(isNull(apiKeys.revokedAt));
  return {
    users: {
      total: Number(u?.total ?? 0),
      active: Number(u?.active ?? 0),
      admins: Number(u?.admins ?? 0),
      locked: Number(u?.locked ?? 0),
      newLast24h: Number(u?.newToday ?? 0),
    },
    listings: { total: Number(l?.total ?? 0) },
    activityLast24h: {
      changeSets: Number(cs?.total ?? 0),
      auditEvents: Number(al?.total ?? 0),
      failedEvents: Number(al?.failures ?? 0),
    },
    activeSessions: Number(sessions?.total ?? 0),
    activeApiKeys: Number(keys?.total ?? 0),
    time: now.toISOString(),
  };
}
