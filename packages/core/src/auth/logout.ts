import { refreshTokens } from "@mbe/db";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError } from "../errors";
import { lockSessions, revokeAllSessions } from "./sessions";
import { sha256 } from "./tokens";

export const LogoutInput = z.object({
  refreshToken: z.string().max(200).optional(),
  /** Sign out every session of this account, not only the current one. */
  everywhere: z.boolean().default(false),
});
export type LogoutInput = z.infer<typeof LogoutInput>;

/** Revokes the current session (its access token stops working at once), or all of them. */
export async function logout(ctx: CoreContext, input: LogoutInput) {
  const actor = requireActor(ctx);
  // A key (even a read-only one) could otherwise sign the seller out of every session.
  if (actor.via !== "jwt")
    throw new CoreError("FORBIDDEN", "Sessions are managed from a signed-in session");
  const now = new Date();
  await inTx(ctx, async (tx) => {
    if (input.everywhere) {
      await revokeAllSessions(tx.db, actor.userId);
    } else {
      await lockSessions(tx.db, actor.userId);
      const families = new Set<string>();
      if (actor.sessionId) families.add(actor.sessionId);
      if (input.refreshToken) {
        const [row] = await tx.db
          .select({ familyId: refreshTokens.familyId })
          .from(refreshTokens)
          .where(
            and(
              eq(refreshTokens.tokenHash, sha256(input.refreshToken)),
              eq(refreshTokens.userId, actor.userId),
            ),
          );
        if (row) families.add(row.familyId);
      }
      for (const familyId of families)
        await tx.db
          .update(refreshTokens)
          .set({ revokedAt: now })
          .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
    }
    await recordAudit(tx, {
      action: "auth.logout",
      resourceType: "user",
      resourceId: actor.userId,
      details: { everywhere: input.everywhere },
    });
  });
  return { ok: true as const };
}
