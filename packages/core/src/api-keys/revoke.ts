import { apiKeys } from "@mbe/db";
import { and, eq, isNull } from "drizzle-orm";
import { recordAudit } from "../audit/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError, notFound } from "../errors";

/** Revokes one of the caller's API keys; it stops working immediately. */
export async function revokeApiKey(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx);
  if (actor.via !== "jwt")
    throw new CoreError("FORBIDDEN", "API keys are managed from a signed-in session");
  return inTx(ctx, async (tx) => {
    const [row] = await tx.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, actor.userId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    if (!row) throw notFound("API key");
    await recordAudit(tx, { action: "api_key.revoke", resourceType: "api_key", resourceId: id });
    return { ok: true as const };
  });
}
