import { refreshTokens, users } from "@mbe/db";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { recordAuditDetached } from "../audit/record";
import type { CoreContext } from "../context";
import { CoreError } from "../errors";
import { issueRefreshToken, sha256, signAccessToken } from "./tokens";

export const RefreshInput = z.object({ refreshToken: z.string().min(10).max(200) });
export type RefreshInput = z.infer<typeof RefreshInput>;

/** Rotates a refresh token. Presenting one that was already rotated revokes its whole family. */
export async function refreshSession(ctx: CoreContext, input: RefreshInput) {
  const hash = sha256(input.refreshToken);
  const [row] = await ctx.rootDb
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, hash));
  if (!row) throw new CoreError("TOKEN_INVALID", "Unknown refresh token");
  if (row.revokedAt) throw new CoreError("TOKEN_INVALID", "This session has been signed out");
  // Claiming the token atomically makes two racing refreshes count as reuse, not two sessions.
  const claimed = row.rotatedAt
    ? []
    : await ctx.rootDb
        .update(refreshTokens)
        .set({ rotatedAt: new Date() })
        .where(
          and(
            eq(refreshTokens.id, row.id),
            isNull(refreshTokens.rotatedAt),
            isNull(refreshTokens.revokedAt),
          ),
        )
        .returning({ id: refreshTokens.id });
  if (claimed.length === 0) {
    await ctx.rootDb
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
    await recordAuditDetached(ctx, {
      action: "auth.refresh_reuse",
      outcome: "failure",
      ownerId: row.userId,
      actorId: row.userId,
      resourceType: "session",
      resourceId: row.familyId,
    });
    throw new CoreError("TOKEN_REUSED", "Refresh token reuse detected; the session was revoked");
  }
  if (row.expiresAt < new Date()) throw new CoreError("TOKEN_EXPIRED", "Refresh token expired");
  const [user] = await ctx.rootDb.select().from(users).where(eq(users.id, row.userId));
  if (!user?.active) throw new CoreError("ACCOUNT_DISABLED", "This account has been deactivated");
  const next = await issueRefreshToken(ctx.rootDb, ctx.auth, {
    userId: user.id,
    familyId: row.familyId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
  });
  const accessToken = await signAccessToken(ctx.auth, {
    userId: user.id,
    sessionId: row.familyId,
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
