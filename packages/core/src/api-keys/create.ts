import { randomBytes } from "node:crypto";
import { apiKeys, users } from "@mbe/db";
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { API_KEY_PREFIX } from "../auth/authenticate";
import { sha256 } from "../auth/tokens";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError } from "../errors";
import { apiKeyView } from "./view";

/** How many unrevoked keys one account may hold; revoking one makes room for another. */
export const MAX_ACTIVE_API_KEYS = 25;

export const CreateApiKeyInput = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(z.enum(["read", "write"]))
    .min(1)
    .max(2)
    .default(["read"]),
});
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;

/** Creates an API key; the secret is returned this once and only its hash is kept. */
export async function createApiKey(ctx: CoreContext, input: CreateApiKeyInput) {
  const actor = requireActor(ctx);
  if (actor.via !== "jwt")
    throw new CoreError("FORBIDDEN", "API keys are managed from a signed-in session");
  const visible = randomBytes(6).toString("base64url");
  const secret = `${API_KEY_PREFIX}${visible}_${randomBytes(24).toString("base64url")}`;
  const row = await inTx(ctx, async (tx) => {
    // The account's row lock makes parallel creations count one after another, so they cannot
    // all see room under the limit.
    await tx.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.id, actor.userId))
      .for("update");
    const [held] = await tx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, actor.userId), isNull(apiKeys.revokedAt)));
    if (Number(held?.n ?? 0) >= MAX_ACTIVE_API_KEYS)
      throw new CoreError(
        "CONFLICT",
        `An account may hold at most ${MAX_ACTIVE_API_KEYS} API keys; revoke one first`,
      );
    const [created] = await tx.db
      .insert(apiKeys)
      .values({
        userId: actor.userId,
        name: input.name,
        prefix: `${API_KEY_PREFIX}${visible}`,
        keyHash: sha256(secret),
        scopes: [...new Set(input.scopes)],
      })
      .returning();
    if (!created) throw new CoreError("INTERNAL", "API key not created");
    await recordAudit(tx, {
      action: "api_key.create",
      resourceType: "api_key",
      resourceId: created.id,
      details: { scopes: created.scopes },
    });
    return created;
  });
  return { ...apiKeyView(row), secret };
}
