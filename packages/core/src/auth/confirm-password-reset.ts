import { passwordResetTokens, users } from "@mbe/db";
import { and, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import { recordAudit, recordAuditDetached } from "../audit/record";
import { type CoreContext, inTx } from "../context";
import { CoreError } from "../errors";
import { hashPassword, Password } from "./passwords";
import { revokeAllSessions } from "./sessions";
import { sha256 } from "./tokens";

export const ConfirmPasswordResetInput = z.object({
  token: z.string().min(1).max(200),
  password: Password,
});
export type ConfirmPasswordResetInput = z.infer<typeof ConfirmPasswordResetInput>;

/**
 * Redeems an emailed reset token: sets the new password, uses up the token (and any other
 * outstanding one of the account), signs out every session and clears a sign-in lockout.
 */
export async function confirmPasswordReset(
  ctx: CoreContext,
  input: ConfirmPasswordResetInput,
): Promise<{ ok: true }> {
  const [row] = await ctx.db
    .select()
    .from(passwordResetTokens)
    .where(eq(passwordResetTokens.tokenHash, sha256(input.token)));
  const fail = async (code: "RESET_TOKEN_INVALID" | "RESET_TOKEN_EXPIRED" | "RESET_TOKEN_USED") => {
    await recordAuditDetached(ctx, {
      action: "auth.password_reset",
      outcome: "failure",
      ownerId: row?.userId ?? null,
      actorId: row?.userId ?? null,
      ...(row ? { resourceType: "user", resourceId: row.userId } : {}),
      details: { reason: code.toLowerCase() },
    });
    const message = {
      RESET_TOKEN_INVALID: "This reset link is not valid; request a new one",
      RESET_TOKEN_EXPIRED: "This reset link has expired; request a new one",
      RESET_TOKEN_USED: "This reset link has already been used; request a new one",
    }[code];
    return new CoreError(code, message);
  };
  if (!row) throw await fail("RESET_TOKEN_INVALID");
  if (row.usedAt) throw await fail("RESET_TOKEN_USED");
  const now = new Date();
  if (row.expiresAt <= now) throw await fail("RESET_TOKEN_EXPIRED");
  const [user] = await ctx.db.select().from(users).where(eq(users.id, row.userId));
  if (!user) throw await fail("RESET_TOKEN_INVALID");
  if (!user.active) throw new CoreError("ACCOUNT_DISABLED", "This account has been deactivated");

  const passwordHash = await hashPassword(input.password, ctx.auth.bcryptCost);
  const claimed = await inTx(ctx, async (tx) => {
    // Claimed in SQL so two concurrent confirmations cannot both succeed.
    const [won] = await tx.db
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(passwordResetTokens.id, row.id),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, now),
        ),
      )
      .returning({ id: passwordResetTokens.id });
    if (!won) return false;
    await tx.db
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.userId, user.id), isNull(passwordResetTokens.usedAt)));
    // Still active: an account deactivated since the check above keeps its password, and the
    // link stays unused (the transaction is rolled back).
    const [changed] = await tx.db
      .update(users)
      .set({
        passwordHash,
        passwordChangedAt: now,
        failedLoginCount: 0,
        lockedUntil: null,
        updatedAt: now,
      })
      .where(and(eq(users.id, user.id), eq(users.active, true)))
      .returning({ id: users.id });
    if (!changed) throw new CoreError("ACCOUNT_DISABLED", "This account has been deactivated");
    await revokeAllSessions(tx.db, user.id);
    await recordAudit(tx, {
      action: "auth.password_reset",
      ownerId: user.id,
      actorId: user.id,
      resourceType: "user",
      resourceId: user.id,
    });
    return true;
  });
  if (!claimed) throw await fail("RESET_TOKEN_USED");
  return { ok: true };
}
