import { users } from "@mbe/db";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { recordAuditDetached } from "../audit/record";
import type { CoreContext } from "../context";
import { CoreError } from "../errors";
import { burnPasswordCheck, verifyPassword } from "./passwords";
import { issueSession } from "./tokens";
import { userView } from "./user-view";

export const LoginInput = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(200),
});
export type LoginInput = z.infer<typeof LoginInput>;

const invalid = () => new CoreError("INVALID_CREDENTIALS", "Email or password is incorrect");

/**
 * Signs a seller in. Wrong passwords count towards a lockout; an unknown email takes the same
 * bcrypt time and gets the same answer as a wrong password.
 */
export async function login(ctx: CoreContext, input: LoginInput) {
  const [user] = await ctx.db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${input.email})`);
  if (!user) {
    await burnPasswordCheck(input.password, ctx.auth.bcryptCost);
    await recordAuditDetached(ctx, {
      action: "auth.login",
      outcome: "failure",
      ownerId: null,
      details: { reason: "unknown_email" },
    });
    throw invalid();
  }
  const audit = (outcome: "success" | "failure", details: Record<string, unknown> = {}) =>
    recordAuditDetached(ctx, {
      action: "auth.login",
      outcome,
      ownerId: user.id,
      actorId: user.id,
      resourceType: "user",
      resourceId: user.id,
      details,
    });

  const now = new Date();
  if (user.lockedUntil && user.lockedUntil > now) {
    await burnPasswordCheck(input.password, ctx.auth.bcryptCost);
    await audit("failure", { reason: "locked" });
    const retry = Math.ceil((user.lockedUntil.getTime() - now.getTime()) / 1000);
    throw new CoreError("ACCOUNT_LOCKED", "Too many failed sign-ins; try again later", {
      retryAfterSeconds: retry,
    });
  }
  if (!(await verifyPassword(input.password, user.passwordHash))) {
    // Counted in SQL so concurrent failures cannot undercount.
    const [row] = await ctx.rootDb
      .update(users)
      .set({
        failedLoginCount: sql`${users.failedLoginCount} + 1`,
        lockedUntil: sql`case when ${users.failedLoginCount} + 1 >= ${ctx.auth.maxFailedLogins} then now() + make_interval(mins => ${ctx.auth.lockMinutes}) else ${users.lockedUntil} end`,
      })
      .where(eq(users.id, user.id))
      .returning({ failed: users.failedLoginCount, lockedUntil: users.lockedUntil });
    const locked = !!row?.lockedUntil && row.lockedUntil > now;
    await audit("failure", { reason: "bad_password", failedCount: row?.failed, locked });
    throw invalid();
  }
  if (!user.active) {
    await audit("failure", { reason: "disabled" });
    throw new CoreError("ACCOUNT_DISABLED", "This account has been deactivated");
  }
  const [updated] = await ctx.rootDb
    .update(users)
    .set({ failedLoginCount: 0, lockedUntil: null, lastLoginAt: now })
    .where(eq(users.id, user.id))
    .returning();
  const tokens = await issueSession(ctx.rootDb, ctx.auth, user, {
    ip: ctx.ip,
    userAgent: ctx.userAgent,
  });
  await audit("success");
  return { user: userView(updated ?? user), ...tokens };
}
