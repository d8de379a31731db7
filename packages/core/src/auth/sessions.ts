import { type DbOrTx, refreshTokens } from "@mbe/db";
import { and, eq, isNull } from "drizzle-orm";

/** Revokes every live session of a user; their access tokens stop working on the next request. */
export async function revokeAllSessions(db: DbOrTx, userId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}
