import {
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { type DbOrTx, refreshTokens } from "@mbe/db";
import type { AuthConfig } from "../context";
import { CoreError } from "../errors";

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export interface AccessClaims {
  sub: string;
  sid: string;
  role: "seller" | "admin";
  iat: number;
}

/*
 * Access tokens are compact HS256 JWTs signed and checked with node:crypto directly: every
 * authenticated request verifies one, and a synchronous HMAC costs a few microseconds where a
 * WebCrypto round trip costs a thread-pool hop. Only the one algorithm is ever accepted.
 */
const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
const B64URL = /^[A-Za-z0-9_-]*$/;
/** Clock skew tolerated on `iat` (seconds). */
const SKEW = 30;

/** The HMAC key of each secret, imported once: a string key is re-imported on every call. */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= 16) keys.clear();
    key = createSecretKey(Buffer.from(secret, "utf8"));
    keys.set(secret, key);
  }
  return key;
}
const hmac = (secret: string, data: string) =>
  createHmac("sha256", keyOf(secret)).update(data).digest();

/** Signs a short-lived access token (HS256, iss/aud/exp set). */
export async function signAccessToken(
  cfg: AuthConfig,
  claims: { userId: string; sessionId: string; role: "seller" | "admin" },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(
    JSON.stringify({
      sid: claims.sessionId,
      role: claims.role,
      sub: claims.userId,
      iss: cfg.jwtIssuer,
      aud: cfg.jwtAudience,
      iat: now,
      exp: now + cfg.accessTtlSeconds,
    }),
  ).toString("base64url");
  const input = `${HEADER}.${payload}`;
  return `${input}.${hmac(cfg.jwtSecret, input).toString("base64url")}`;
}

const invalid = () => new CoreError("TOKEN_INVALID", "Invalid access token");

function decodeJson(part: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {}
  throw invalid();
}

/** Verifies signature (HS256 only: `alg: none` and key confusion fail), exp, iss and aud. */
export async function verifyAccessToken(cfg: AuthConfig, token: string): Promise<AccessClaims> {
  if (token.length > 4096) throw invalid();
  const parts = token.split(".");
  if (parts.length !== 3) throw invalid();
  const [h = "", p = "", sig = ""] = parts;
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(sig)) throw invalid();
  // The header this service signs with is checked by comparison; any other is decoded and checked.
  if (h !== HEADER) {
    const header = decodeJson(h);
    if (header.alg !== "HS256" || (header.typ !== undefined && header.typ !== "JWT"))
      throw invalid();
    if (header.crit !== undefined) throw invalid();
  }
  const expected = hmac(cfg.jwtSecret, `${h}.${p}`);
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  const payload = decodeJson(p);
  const now = Math.floor(Date.now() / 1000);
  const { exp, iat, sub, sid, iss, aud, nbf } = payload;
  if (typeof exp !== "number" || typeof iat !== "number" || typeof sub !== "string")
    throw invalid();
  if (iss !== cfg.jwtIssuer) throw invalid();
  if (aud !== cfg.jwtAudience && !(Array.isArray(aud) && aud.includes(cfg.jwtAudience)))
    throw invalid();
  if (typeof nbf === "number" && nbf > now + SKEW) throw invalid();
  if (iat > now + SKEW) throw invalid();
  if (exp <= now) throw new CoreError("TOKEN_EXPIRED", "Access token expired");
  if (typeof sid !== "string") throw new CoreError("TOKEN_INVALID", "Malformed access token");
  const role = payload.role === "admin" ? "admin" : "seller";
  return { sub, sid, role, iat };
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
