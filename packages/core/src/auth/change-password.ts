import { users } from "@mbe/db";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { recordAudit, recordAuditDetached } from "../audit/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
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
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    await recordAuditDetached(ctx, {
      action: "auth.change_password",
      outcome: "failure",
      details: { reason: "bad_password" },
    });
    throw new CoreError("INVALID_CREDENTIALS", "Current password is incorrect");
  }
  const passwordHash = await hashPassword(input.newPassword, ctx.auth.bcryptCost);
  return inTx(ctx, async (tx) => {
    await tx.db
      .update(users)
      .set({ passwordHash, passwordChangedAt: new Date(), updatedAt: new Date() })
      .where(eq(users.id, user.id));
    await revokeAllSessions(tx.db, user.id);
    await recordAudit(tx, {
      action: "auth.change_password",
      resourceType: "user",
      resourceId: user.id,
    });
    return issueSession(tx.db, ctx.auth, user, { ip: ctx.ip, userAgent: ctx.userAgent });
  });
}
