import { passwordResetTokens, users } from "@mbe/db";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { recordAudit, recordAuditDetached } from "../audit/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { lockedError, passwordTries } from "./lockout";
import { hashPassword, Password, verifyPassword } from "./passwords";
import { revokeAllSessions } from "./sessions";
import { issueSession } from "./tokens";

export const ChangePasswordInput = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: Password,
});
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

/** Changes the password, revokes every session at once, and returns a fresh one for this client. */
export async function changePassword(ctx: CoreContext, input: ChangePasswordInput) {
  const actor = requireActor(ctx);
  if (actor.via !== "jwt")
    throw new CoreError("FORBIDDEN", "Passwords cannot be changed with an API key");
  const [user] = await ctx.db.select().from(users).where(eq(users.id, actor.userId));
  if (!user) throw notFound("User");
  // The current password is guessed under the same limit as sign-in: whoever holds a session
  // (a stolen access token, say) gets no more tries here than at the sign-in form.
  if (!(await passwordTries.take(ctx.rootDb, user.id, ctx.auth))) {
    await recordAuditDetached(ctx, {
      action: "auth.change_password",
      outcome: "failure",
      details: { reason: "locked" },
    });
    throw await lockedError(ctx.rootDb, user.id, ctx.auth);
  }
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    const locked = await passwordTries.failed(ctx.rootDb, user.id, ctx.auth);
    await recordAuditDetached(ctx, {
      action: "auth.change_password",
      outcome: "failure",
      details: { reason: "bad_password", locked },
    });
    throw new CoreError("INVALID_CREDENTIALS", "Current password is incorrect");
  }
  if (!(await passwordTries.passed(ctx.rootDb, user.id)))
    throw await lockedError(ctx.rootDb, user.id, ctx.auth);
  const passwordHash = await hashPassword(input.newPassword, ctx.auth.bcryptCost);
  return inTx(ctx, async (tx) => {
    await tx.db
      .update(users)
      .set({ passwordHash, passwordChangedAt: new Date(), updatedAt: new Date() })
      .where(eq(users.id, user.id));
    await revokeAllSessions(tx.db, user.id);
    // A reset link sent before the change must not set the password back to something else.
    await tx.db
      .update(passwordResetTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(passwordResetTokens.userId, user.id), isNull(passwordResetTokens.usedAt)));
    await recordAudit(tx, {
      action: "auth.change_password",
      resourceType: "user",
      resourceId: user.id,
    });
    return issueSession(tx.db, ctx.auth, user, { ip: ctx.ip, userAgent: ctx.userAgent });
  });
}
