import { users } from "@mbe/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { recordAuditDetached } from "../audit/record";
import type { CoreContext } from "../context";
import { CoreError } from "../errors";
import { lockedError, passwordTries, unknownEmailTries } from "./lockout";
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
 * bcrypt time and gets the same answers as a wrong password, its lockout included.
 */
export async function login(ctx: CoreContext, input: LoginInput) {
  const [user] = await ctx.db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${input.email})`);
  if (!user) {
    const key = unknownEmailTries.key(ctx.auth.jwtSecret, input.email);
    const tried = await unknownEmailTries.take(ctx.rootDb, key, ctx.auth);
    await burnPasswordCheck(input.password, ctx.auth.bcryptCost);
    await recordAuditDetached(ctx, {
      action: "auth.login",
      outcome: "failure",
      ownerId: null,
      details: { reason: "unknown_email", ...(tried ? {} : { locked: true }) },
    });
    if (!tried) throw await unknownEmailTries.lockedError(ctx.rootDb, key, ctx.auth);
    await unknownEmailTries.failed(ctx.rootDb, key, ctx.auth);
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

  // A try is taken before the password is checked, so parallel guesses stop at the limit.
  if (!(await passwordTries.take(ctx.rootDb, user.id, ctx.auth))) {
    await burnPasswordCheck(input.password, ctx.auth.bcryptCost);
    await audit("failure", { reason: "locked" });
    throw await lockedError(ctx.rootDb, user.id, ctx.auth);
  }
  if (!(await verifyPassword(input.password, user.passwordHash))) {
    const locked = await passwordTries.failed(ctx.rootDb, user.id, ctx.auth);
    await audit("failure", { reason: "bad_password", locked });
    throw invalid();
  }
  if (!user.active) {
    await audit("failure", { reason: "disabled" });
    throw new CoreError("ACCOUNT_DISABLED", "This account has been deactivated");
  }
  const updated = await passwordTries.passed(ctx.rootDb, user.id, { lastLoginAt: new Date() });
  if (!updated) {
    // Wrong guesses running beside this sign-in spent the tries and locked the account.
    await audit("failure", { reason: "locked" });
    throw await lockedError(ctx.rootDb, user.id, ctx.auth);
  }
  const tokens = await issueSession(ctx.rootDb, ctx.auth, user, {
    ip: ctx.ip,
    userAgent: ctx.userAgent,
  });
  await audit("success");
  return { user: userView(updated), ...tokens };
}
