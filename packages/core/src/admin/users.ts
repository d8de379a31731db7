import { refreshTokens, users } from "@mbe/db";
import { and, asc, eq, ilike, inArray, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { type CoreContext, inTx, requireAdmin } from "../context";
import { CoreError, notFound } from "../errors";
import { likeEscape } from "../listings/filter";

/** Paging and an optional email/name search for the admin sellers list. */
export const ListUsersInput = z.object({
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type ListUsersInput = z.input<typeof ListUsersInput>;

/** The account an admin action targets. */
export const UserIdInput = z.object({ id: z.uuid() });
export type UserIdInput = z.infer<typeof UserIdInput>;

// Written out because drizzle renders ${users.id} unqualified inside a select, which would bind to listings.id.
const listingCount = sql<number>`(select count(*)::int from listings l where l.owner_id = "users"."id")`;

/** Every account (admins only) with lockout state and listing counts, for the admin screen. */
export async function listUsers(ctx: CoreContext, raw: ListUsersInput = {}) {
  const input = ListUsersInput.parse(raw);
  requireAdmin(ctx);
  const where = input.q
    ? or(
        ilike(users.email, `%${likeEscape(input.q)}%`),
        ilike(users.firstName, `%${likeEscape(input.q)}%`),
        ilike(users.lastName, `%${likeEscape(input.q)}%`),
      )
    : undefined;
  const rows = await ctx.db
    .select({
      id: users.id,
      email: users.email,
      firstName: users.firstName,
      lastName: users.lastName,
      role: users.role,
      active: users.active,
      failedLoginCount: users.failedLoginCount,
      lockedUntil: users.lockedUntil,
      lastLoginAt: users.lastLoginAt,
      createdAt: users.createdAt,
      listingCount,
    })
    .from(users)
    .where(where)
    .orderBy(asc(users.createdAt), asc(users.id))
    .limit(input.limit)
    .offset(input.offset);
  const [c] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(users).where(where);
  const now = Date.now();
  return {
    total: Number(c?.n ?? 0),
    items: rows.map((u) => ({
      ...u,
      listingCount: Number(u.listingCount),
      locked: !!u.lockedUntil && u.lockedUntil.getTime() > now,
      lockedUntil: u.lockedUntil?.toISOString() ?? null,
      lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
      createdAt: u.createdAt.toISOString(),
    })),
  };
}

/**
 * Locks the acting administrator's row and the target's (in id order, so two administrators acting
 * on each other at once run one after the other), then checks that the actor is still an active
 * administrator: the request was authenticated before any racing change committed. Without this,
 * two administrators deactivating each other at the same moment would both succeed and leave the
 * product with no administrator. Returns the target.
 */
async function target(ctx: CoreContext, actorId: string, id: string) {
  const rows = await ctx.db
    .select()
    .from(users)
    .where(inArray(users.id, [actorId, id]))
    .orderBy(asc(users.id))
    .for("update");
  const me = rows.find((r) => r.id === actorId);
  if (!me?.active || me.role !== "admin") throw new CoreError("FORBIDDEN", "Administrators only");
  const u = rows.find((r) => r.id === id);
  if (!u) throw notFound("User");
  return u;
}

/** Clears a lockout (failed sign-ins) so the seller can sign in again at once. */
export async function unlockUser(ctx: CoreContext, raw: UserIdInput) {
  const { id } = UserIdInput.parse(raw);
  const actor = requireAdmin(ctx, "write");
  return inTx(ctx, async (tx) => {
    const u = await target(tx, actor.userId, id);
    await tx.db
      .update(users)
      .set({ lockedUntil: null, failedLoginCount: 0, updatedAt: new Date() })
      .where(eq(users.id, id));
    await recordAudit(tx, {
      action: "admin.user_unlock",
      ownerId: u.id,
      resourceType: "user",
      resourceId: u.id,
      details: {
        email: u.email,
        wasLockedUntil: u.lockedUntil?.toISOString() ?? null,
        failedLoginCount: u.failedLoginCount,
      },
    });
    return { id: u.id, unlocked: true };
  });
}

/** Deactivates an account and revokes every refresh token it has, in one transaction. */
export async function deactivateUser(ctx: CoreContext, raw: UserIdInput) {
  const { id } = UserIdInput.parse(raw);
  const actor = requireAdmin(ctx, "write");
  if (actor.userId === id)
    throw new CoreError("BAD_REQUEST", "You cannot deactivate your own account");
  return inTx(ctx, async (tx) => {
    const u = await target(tx, actor.userId, id);
    await tx.db.update(users).set({ active: false, updatedAt: new Date() }).where(eq(users.id, id));
    const revoked = await tx.db
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.userId, id), isNull(refreshTokens.revokedAt)))
      .returning({ id: refreshTokens.id });
    await recordAudit(tx, {
      action: "admin.user_deactivate",
      ownerId: u.id,
      resourceType: "user",
      resourceId: u.id,
      details: { email: u.email, revokedSessions: revoked.length },
    });
    return { id: u.id, active: false, revokedSessions: revoked.length };
  });
}

/** Re-enables a deactivated account (its old sessions stay revoked). */
export async function reactivateUser(ctx: CoreContext, raw: UserIdInput) {
  const { id } = UserIdInput.parse(raw);
  const actor = requireAdmin(ctx, "write");
  return inTx(ctx, async (tx) => {
    const u = await target(tx, actor.userId, id);
    await tx.db.update(users).set({ active: true, updatedAt: new Date() }).where(eq(users.id, id));
    await recordAudit(tx, {
      action: "admin.user_reactivate",
      ownerId: u.id,
      resourceType: "user",
      resourceId: u.id,
      details: { email: u.email },
    });
    return { id: u.id, active: true };
  });
}
