import { users } from "@mbe/db";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit, recordAuditDetached } from "../audit/record";
import { type CoreContext, inTx } from "../context";
import { CoreError } from "../errors";
import { isUniqueViolation } from "../listings/unique";
import { hashPassword, Password } from "./passwords";
import { issueSession } from "./tokens";
import { userView } from "./user-view";

export const RegisterInput = z.object({
  email: z.email().max(254),
  password: Password,
  firstName: z.string().trim().max(100).default(""),
  lastName: z.string().trim().max(100).default(""),
});
export type RegisterInput = z.infer<typeof RegisterInput>;

/** Creates a seller account and signs it in. */
export async function register(ctx: CoreContext, input: RegisterInput) {
  const email = input.email.trim();
  const passwordHash = await hashPassword(input.password, ctx.auth.bcryptCost);
  try {
    return await inTx(ctx, async (tx) => {
      const taken = await tx.db
        .select({ id: users.id })
        .from(users)
        .where(sql`lower(${users.email}) = lower(${email})`);
      if (taken.length > 0)
        throw new CoreError("EMAIL_TAKEN", "An account with this email already exists");
      const [user] = await tx.db
        .insert(users)
        .values({ email, passwordHash, firstName: input.firstName, lastName: input.lastName })
        .returning();
      if (!user) throw new CoreError("INTERNAL", "Account not created");
      const tokens = await issueSession(tx.db, ctx.auth, user, {
        ip: ctx.ip,
        userAgent: ctx.userAgent,
      });
      await recordAudit(tx, {
        action: "auth.register",
        ownerId: user.id,
        actorId: user.id,
        resourceType: "user",
        resourceId: user.id,
      });
      return { user: userView(user), ...tokens };
    });
  } catch (err) {
    // Two concurrent registrations race past the check; the unique index decides.
    if (isUniqueViolation(err))
      throw new CoreError("EMAIL_TAKEN", "An account with this email already exists");
    if (err instanceof CoreError && err.code === "EMAIL_TAKEN")
      await recordAuditDetached(ctx, {
        action: "auth.register",
        outcome: "failure",
        ownerId: null,
        details: { reason: "email_taken" },
      });
    throw err;
  }
}
