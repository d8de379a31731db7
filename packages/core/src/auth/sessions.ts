import { type DbOrTx, refreshTokens, type User, users } from "@mbe/db";
import { and, eq, isNull } from "drizzle-orm";

/**
 * Revokes every live session of a user; their access tokens stop working on the next request.
 * Run it in a transaction: the user's row lock it takes (held to the commit) is what a racing
 * refresh waits on, so no session is issued between this and the commit.
 */
export async function revokeAllSessions(db: DbOrTx, userId: string): Promise<void> {
  await lockSessions(db, userId);
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

/**
 * Takes the user's row lock, held to the end of the transaction, and returns the row: a refresh
 * rotates a token under the same lock, so whatever revokes sessions after this sees every token
 * a rotation issued.
 */
export async function lockSessions(db: DbOrTx, userId: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, userId)).for("update");
  return user;
}
