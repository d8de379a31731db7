import { type DbOrTx, users } from "@mbe/db";
import { and, eq, gte, sql } from "drizzle-orm";
import type { AuthConfig } from "../context";
import { CoreError } from "../errors";

type Limits = Pick<AuthConfig, "maxFailedLogins" | "lockMinutes">;

/** A lock that ran out no longer counts, and neither do the failures that set it. */
const lockExpired = sql`(${users.lockedUntil} is not null and ${users.lockedUntil} <= now())`;
const notLocked = sql`(${users.lockedUntil} is null or ${users.lockedUntil} <= now())`;

/**
 * Password tries of one account: each try is taken (and counted as a failure) before the
 * password is checked, in one statement, so parallel guesses cannot check more passwords than the
 * limit allows; a correct password gives the count back. The limit's failures lock the account.
 */
export const passwordTries = {
  /** Takes a try; false when none is left (the account is locked, or about to be). */
  async take(db: DbOrTx, userId: string, limits: Limits): Promise<boolean> {
    const taken = await db
      .update(users)
      .set({
        failedLoginCount: sql`case when ${lockExpired} then 1 else ${users.failedLoginCount} + 1 end`,
        lockedUntil: sql`case when ${lockExpired} then null else ${users.lockedUntil} end`,
      })
      .where(
        and(
          eq(users.id, userId),
          notLocked,
          sql`case when ${lockExpired} then 0 else ${users.failedLoginCount} end < ${limits.maxFailedLogins}`,
        ),
      )
      .returning({ id: users.id });
    return taken.length > 0;
  },

  /** After a wrong password: locks the account once its tries are spent. Whether it is locked. */
  async failed(db: DbOrTx, userId: string, limits: Limits): Promise<boolean> {
    const locked = await db
      .update(users)
      .set({ lockedUntil: sql`now() + make_interval(mins => ${limits.lockMinutes})` })
      .where(
        and(eq(users.id, userId), notLocked, gte(users.failedLoginCount, limits.maxFailedLogins)),
      )
      .returning({ id: users.id });
    return locked.length > 0;
  },

  /**
   * After a correct password: the count starts again. False when parallel wrong guesses locked
   * the account meanwhile: the lock stands.
   */
  async passed(db: DbOrTx, userId: string, set: Partial<typeof users.$inferInsert> = {}) {
    const [row] = await db
      .update(users)
      .set({ ...set, failedLoginCount: 0, lockedUntil: null })
      .where(and(eq(users.id, userId), notLocked))
      .returning();
    return row;
  },
};

/** The answer for an account with no try left, with how long its lock still holds. */
export async function lockedError(db: DbOrTx, userId: string, limits: Limits) {
  const [row] = await db
    .select({
      seconds: sql<number>`ceil(extract(epoch from (${users.lockedUntil} - now())))::int`,
    })
    .from(users)
    .where(eq(users.id, userId));
  // A lock a parallel failure is about to set has its full length still to run.
  const seconds = row?.seconds && row.seconds > 0 ? row.seconds : limits.lockMinutes * 60;
  return new CoreError("ACCOUNT_LOCKED", "Too many failed sign-ins; try again later", {
    retryAfterSeconds: seconds,
  });
}
