import { createHmac } from "node:crypto";
import { type DbOrTx, unknownEmailLoginTries as unknown, users } from "@mbe/db";
import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { AuthConfig } from "../context";
import { CoreError } from "../errors";

type Limits = Pick<AuthConfig, "maxFailedLogins" | "lockMinutes">;

/** Seconds until `lockedUntil`, or the full lock when it is about to be set. */
function lockedAnswer(seconds: number | undefined, limits: Limits) {
  // A lock a parallel failure is about to set has its full length still to run.
  const left = seconds && seconds > 0 ? seconds : limits.lockMinutes * 60;
  return new CoreError("ACCOUNT_LOCKED", "Too many failed sign-ins; try again later", {
    retryAfterSeconds: left,
  });
}

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
  return lockedAnswer(row?.seconds, limits);
}

/** How long the tries of an email without an account are remembered after the last one. */
const UNKNOWN_EMAIL_MEMORY = sql`interval '30 days'`;

const unknownLockExpired = sql`(${unknown.lockedUntil} is not null and ${unknown.lockedUntil} <= now())`;
const unknownNotLocked = sql`(${unknown.lockedUntil} is null or ${unknown.lockedUntil} <= now())`;

/**
 * Password tries of an email that has no account, kept the way {@link passwordTries} keeps an
 * account's, so that signing in with it answers alike try after try: the same failures, the same
 * lock after the same number of tries, the same `Retry-After`. Otherwise a sixth wrong try would
 * tell registered emails (locked) from the rest (still "incorrect").
 */
export const unknownEmailTries = {
  /** The table's key for an email: an HMAC of its trimmed, lower-cased form. */
  key(secret: string, email: string): string {
    return createHmac("sha256", secret).update(email.trim().toLowerCase()).digest("base64url");
  },

  /** Takes a try; false when none is left. Also forgets emails not tried for a month. */
  async take(db: DbOrTx, key: string, limits: Limits): Promise<boolean> {
    await db.delete(unknown).where(
      sql`${unknown.emailKey} in (select ${unknown.emailKey} from ${unknown}
        where ${lt(unknown.lastTryAt, sql`now() - ${UNKNOWN_EMAIL_MEMORY}`)} limit 100)`,
    );
    const taken = await db
      .insert(unknown)
      .values({ emailKey: key, failedLoginCount: 1 })
      .onConflictDoUpdate({
        target: unknown.emailKey,
        set: {
          failedLoginCount: sql`case when ${unknownLockExpired} then 1 else ${unknown.failedLoginCount} + 1 end`,
          lockedUntil: sql`case when ${unknownLockExpired} then null else ${unknown.lockedUntil} end`,
          lastTryAt: sql`now()`,
        },
        setWhere: and(
          unknownNotLocked,
          sql`case when ${unknownLockExpired} then 0 else ${unknown.failedLoginCount} end < ${limits.maxFailedLogins}`,
        ),
      })
      .returning({ key: unknown.emailKey });
    return taken.length > 0;
  },

  /** After the (always wrong) password check: locks the email once its tries are spent. */
  async failed(db: DbOrTx, key: string, limits: Limits): Promise<void> {
    await db
      .update(unknown)
      .set({ lockedUntil: sql`now() + make_interval(mins => ${limits.lockMinutes})` })
      .where(
        and(
          eq(unknown.emailKey, key),
          unknownNotLocked,
          gte(unknown.failedLoginCount, limits.maxFailedLogins),
        ),
      );
  },

  /** The same answer {@link lockedError} gives for an account. */
  async lockedError(db: DbOrTx, key: string, limits: Limits) {
    const [row] = await db
      .select({
        seconds: sql<number>`ceil(extract(epoch from (${unknown.lockedUntil} - now())))::int`,
      })
      .from(unknown)
      .where(eq(unknown.emailKey, key));
    return lockedAnswer(row?.seconds, limits);
  },
};
