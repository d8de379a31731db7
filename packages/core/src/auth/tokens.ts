import { createHash, createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { type DbOrTx, refreshTokens } from "@mbe/db";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { AuthConfig } from "../context";
import { CoreError } from "../errors";

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export interface AccessClaims {
  sub: string;
  sid: string;
  role: "seller" | "admin";
  iat: number;
}

// A KeyObject lets jose use Node's HMAC directly instead of importing a WebCrypto key per call.
const keyCache = new Map<string, KeyObject>();
function key(secret: string): KeyObject {
  let k = keyCache.get(secret);
  if (!k) {
    k = createSecretKey(Buffer.from(secret, "utf8"));
    keyCache.set(secret, k);
  }
  return k;
}

/** Signs a short-lived access token (HS256, iss/aud/exp set). */
export async function signAccessToken(
  cfg: AuthConfig,
  claims: { userId: string; sessionId: string; role: "seller" | "admin" },
): Promise<string> {
  return new SignJWT({ sid: claims.sessionId, role: claims.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.userId)
    .setIssuer(cfg.jwtIssuer)
    .setAudience(cfg.jwtAudience)
    .setIssuedAt()
    .setExpirationTime(`${cfg.accessTtlSeconds}s`)
    .sign(key(cfg.jwtSecret));
}

/** Verifies signature (HS256 only: `alg: none` and key confusion fail), exp, iss and aud. */
export async function verifyAccessToken(cfg: AuthConfig, token: string): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, key(cfg.jwtSecret), {
      algorithms: ["HS256"],
      issuer: cfg.jwtIssuer,
      audience: cfg.jwtAudience,
      requiredClaims: ["exp", "iat", "sub"],
    });
    if (typeof payload.sid !== "string" || typeof payload.sub !== "string")
      throw new CoreError("TOKEN_INVALID", "Malformed access token");
    const role = payload.role === "admin" ? "admin" : "seller";
    return { sub: payload.sub, sid: payload.sid, role, iat: payload.iat ?? 0 };
  } catch (err) {
    if (err instanceof CoreError) throw err;
    if (err instanceof joseErrors.JWTExpired)
      throw new CoreError("TOKEN_EXPIRED", "Access token expired");
    throw new CoreError("TOKEN_INVALID", "Invalid access token");
  }
}

/** Issues an opaque refresh token in `familyId`, storing only its hash. */
export async function issueRefreshToken(
  db: DbOrTx,
  cfg: AuthConfig,
  opts: { userId: string; familyId: string; ip?: string; userAgent?: string },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + cfg.refreshTtlSeconds * 1000);
  await db.insert(refreshTokens).values({
    userId: opts.userId,
    tokenHash: sha256(token),
    familyId: opts.familyId,
    expiresAt,
    ip: opts.ip,
    userAgent: opts.userAgent?.slice(0, 500),
  });
  return { token, expiresAt };
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshExpiresAt: string;
}

/** Starts a new session family and returns the pair a client signs in with. */
export async function issueSession(
  db: DbOrTx,
  cfg: AuthConfig,
  user: { id: string; role: "seller" | "admin" },
  meta: { ip?: string; userAgent?: string; familyId?: string },
): Promise<TokenPair> {
  const familyId = meta.familyId ?? crypto.randomUUID();
  const refresh = await issueRefreshToken(db, cfg, { userId: user.id, familyId, ...meta });
  const accessToken = await signAccessToken(cfg, {
    userId: user.id,
    sessionId: familyId,
    role: user.role,
  });
  return {
    accessToken,
    refreshToken: refresh.token,
    tokenType: "Bearer",
    expiresIn: cfg.accessTtlSeconds,
    refreshExpiresAt: refresh.expiresAt.toISOString(),
  };
}
