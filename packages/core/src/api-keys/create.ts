import { randomBytes } from "node:crypto";
import { apiKeys } from "@mbe/db";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { API_KEY_PREFIX } from "../auth/authenticate";
import { sha256 } from "../auth/tokens";
import { type CoreContext, requireActor } from "../context";
import { CoreError } from "../errors";
import { apiKeyView } from "./view";

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
  const [row] = await ctx.db
    .insert(apiKeys)
    .values({
      userId: actor.userId,
      name: input.name,
      prefix: `${API_KEY_PREFIX}${visible}`,
      keyHash: sha256(secret),
      scopes: [...new Set(input.scopes)],
    })
    .returning();
  if (!row) throw new CoreError("INTERNAL", "API key not created");
  await recordAudit(ctx, {
    action: "api_key.create",
    resourceType: "api_key",
    resourceId: row.id,
    details: { scopes: row.scopes },
  });
  return { ...apiKeyView(row), secret };
}
