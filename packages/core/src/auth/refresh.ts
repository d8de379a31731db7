import { refreshTokens } from "@mbe/db";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { recordAuditDetached } from "../audit/record";
import type { CoreContext } from "../context";
import { CoreError } from "../errors";
import { lockSessions } from "./sessions";
import { issueRefreshToken, sha256, signAccessToken } from "./tokens";

export const RefreshInput = z.object({ refreshToken: z.string().min(10).max(200) });
export type RefreshInput = z.infer<typeof RefreshInput>;

/**
 * Rotates a refresh token. Presenting one that was already rotated revokes its whole family.
 *
 * The rotation (claiming the old token, issuing the new one) runs in one transaction holding the
 * user's row lock, as do a password change, a password reset and a deactivation, which revoke
 * every session: so a refresh racing one of those either finishes first and has its new token
 * revoked too, or sees its token revoked. Two refreshes racing with one token serialise the same
 * way, and the loser's family revocation sees the winner's new token.
 */
export async function refreshSession(ctx: CoreContext, input: RefreshInput) {
  const hash = sha256(input.refreshToken);
  const [found] = await ctx.rootDb
    .select({ userId: refreshTokens.userId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, hash));
  if (!found) throw new CoreError("TOKEN_INVALID", "Unknown refresh token");
  const outcome = await ctx.rootDb.transaction(async (tx) => {
    const user = await lockSessions(tx, found.userId);
    const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash));
    if (!row || !user) throw new CoreError("TOKEN_INVALID", "Unknown refresh token");
    if (row.revokedAt) throw new CoreError("TOKEN_INVALID", "This session has been signed out");
    if (row.rotatedAt) {
      await tx
        .update(refreshTokens)
        .set({ revokedAt: new Date() })
        .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
      // Committed before the refusal is thrown, so the revocation stands.
      return { kind: "reused", userId: row.userId, familyId: row.familyId } as const;
    }
    if (row.expiresAt < new Date()) throw new CoreError("TOKEN_EXPIRED", "Refresh token expired");
    if (!user.active) throw new CoreError("ACCOUNT_DISABLED", "This account has been deactivated");
    await tx
      .update(refreshTokens)
      .set({ rotatedAt: new Date() })
      .where(eq(refreshTokens.id, row.id));
    const next = await issueRefreshToken(tx, ctx.auth, {
      userId: user.id,
      familyId: row.familyId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    });
    return { kind: "rotated", user, familyId: row.familyId, next } as const;
  });
  if (outcome.kind === "reused") {
    await recordAuditDetached(ctx, {
      action: "auth.refresh_reuse",
      outcome: "failure",
      ownerId: outcome.userId,
      actorId: outcome.userId,
      resourceType: "session",
      resourceId: outcome.familyId,
    });
    throw new CoreError("TOKEN_REUSED", "Refresh token reuse detected; the session was revoked");
  }
  const { user, familyId, next } = outcome;
  const accessToken = await signAccessToken(ctx.auth, {
    userId: user.id,
    sessionId: familyId,
    role: user.role,
  });
  return {
    accessToken,
    refreshToken: next.token,
    tokenType: "Bearer" as const,
    expiresIn: ctx.auth.accessTtlSeconds,
    refreshExpiresAt: next.expiresAt.toISOString(),
  };
}
