import { createHmac, timingSafeEqual } from "node:crypto";

/** The parts of a signed link, as they arrive in its query. */
export type LinkSignature = { iat?: string; exp?: string; sig?: string };

const DIGITS = /^\d{1,15}$/;

function mac(secret: string, subject: string, exp: string, iat?: string): Buffer {
  const payload = iat === undefined ? `${subject}:${exp}` : `${subject}:${iat}:${exp}`;
  return createHmac("sha256", secret).update(payload).digest();
}

/**
 * The query of a link that stands in for authentication (browser downloads, <img> tags, emailed
 * links) to `subject` for `ttlSeconds`: when it was minted (`iat`, Unix milliseconds, so a
 * password change can revoke it), when it expires (`exp`, Unix seconds) and their signature.
 */
export function signedLinkQuery(secret: string, subject: string, ttlSeconds: number): string {
  const iat = String(Date.now());
  const exp = String(Math.floor(Number(iat) / 1000) + ttlSeconds);
  return `iat=${iat}&exp=${exp}&sig=${mac(secret, subject, exp, iat).toString("base64url")}`;
}

/**
 * When a signed link to `subject` was minted (Unix milliseconds) if its signature and expiry
 * hold, otherwise null. A link from before `iat` was part of links is taken as minted
 * `legacyTtlSeconds` (the longest it can have been issued for) before it expires.
 */
export function signedLinkMintedAt(
  secret: string,
  subject: string,
  signature: LinkSignature,
  legacyTtlSeconds: number,
): number | null {
  const { iat, exp, sig } = signature;
  if (!exp || !sig || !DIGITS.test(exp) || Number(exp) < Date.now() / 1000) return null;
  if (iat !== undefined && !DIGITS.test(iat)) return null;
  const want = mac(secret, subject, exp, iat);
  const got = Buffer.from(sig, "base64url");
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  return iat === undefined ? (Number(exp) - legacyTtlSeconds) * 1000 : Number(iat);
}
