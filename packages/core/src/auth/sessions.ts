import { type DbOrTx, refreshTokens, users } from "@mbe/db";
import { and, eq, isNull } from "drizzle-orm";

/**
 * Revokes every live session of a user; their access tokens stop working on the next request.
 * Run it in a transaction: the user's row lock it takes (held to the commit) is what a racing
 * refresh waits on, so no session is issued between this and the commit.
 */
export async function revokeAllSessions(db: DbOrTx, userId: string): Promise<void> {
  await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}
