import { apiKeys, refreshTokens, users } from "@mbe/db";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Actor, CoreContext } from "../context";
import { CoreError } from "../errors";
import { preparedPerDb } from "../prepared";
import { sha256, verifyAccessToken } from "./tokens";

/**
 * Resolves a bearer access token to an actor. The session and account are checked on every
 * request, so sign-out, password change and deactivation take effect at once.
 */
export async function authenticateAccessToken(
  ctx: Pick<CoreContext, "auth" | "rootDb">,
  token: string,
): Promise<Actor> {
  const claims = await verifyAccessToken(ctx.auth, token);
  const [row] = await sessionQuery(ctx.rootDb).execute({ sid: claims.sid, sub: claims.sub });
  if (!row?.live) throw new CoreError("TOKEN_INVALID", "This session has ended; sign in again");
  if (!row.active) throw new CoreError("ACCOUNT_DISABLED", "This account has been deactivated");
  return {
    userId: claims.sub,
    role: row.role,
    via: "jwt",
    scopes: ["read", "write"],
    sessionId: claims.sid,
  };
}

/** The per-request session check, prepared once per database: it runs on every request. */
const sessionQuery = preparedPerDb((db) =>
  db
    .select({
      active: users.active,
      role: users.role,
      live: sql<boolean>`exists (select 1 from ${refreshTokens} where ${refreshTokens.familyId} = ${sql.placeholder("sid")} and ${refreshTokens.userId} = ${sql.placeholder("sub")} and ${refreshTokens.revokedAt} is null)`,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder("sub")))
    .prepare("session_check"),
);

export const API_KEY_PREFIX = "mbe_";

/** Resolves an API key (`mbe_…`) to an actor limited to the key's scopes. */
export async function authenticateApiKey(
  ctx: Pick<CoreContext, "rootDb">,
  key: string,
): Promise<Actor> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 200)
    throw new CoreError("TOKEN_INVALID", "Invalid API key");
  const [row] = await ctx.rootDb
    .select({
      id: apiKeys.id,
      userId: apiKeys.userId,
      scopes: apiKeys.scopes,
      lastUsedAt: apiKeys.lastUsedAt,
      role: users.role,
      active: users.active,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt)));
  if (!row) throw new CoreError("TOKEN_INVALID", "Invalid or revoked API key");
  if (!row.active) throw new CoreError("ACCOUNT_DISABLED", "This account has been deactivated");
  // Last-used is informational; writing it at most once a minute keeps reads cheap.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await ctx.rootDb.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, row.id));
  }
  const scopes = row.scopes.filter((s): s is "read" | "write" => s === "read" || s === "write");
  return { userId: row.userId, role: row.role, via: "api_key", scopes, apiKeyId: row.id };
}
