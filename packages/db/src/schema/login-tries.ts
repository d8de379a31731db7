import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Failed sign-ins with an email that has no account, counted like an account's own
 * (`users.failed_login_count`, `users.locked_until`) so that such an email locks after as many
 * tries, for as long, and answers exactly as a real account does: the lockout cannot tell an
 * attacker which emails are registered. Keyed by an HMAC of the normalised email, so the table
 * holds no addresses; rows untouched for a month are dropped.
 */
export const unknownEmailLoginTries = pgTable(
  "unknown_email_login_tries",
  {
    emailKey: text().primaryKey(),
    failedLoginCount: integer().notNull().default(0),
    lockedUntil: timestamp({ withTimezone: true }),
    lastTryAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("unknown_email_login_tries_last_try_idx").on(t.lastTryAt)],
);
