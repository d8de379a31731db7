import bcrypt from "bcryptjs";
import { z } from "zod";

/**
 * A password as it is hashed: Unicode NFKC, so the same characters typed on another keyboard or
 * system (a precomposed `é` or `e` + combining accent, full-width letters) are the same password.
 */
export const normalizePassword = (password: string) => password.normalize("NFKC");

/**
 * bcrypt reads at most 72 bytes; longer passwords are refused rather than silently truncated.
 * The limit applies to the normalised form, the one that is hashed.
 */
export const Password = z
  .string()
  .min(8, "Password must be at least 8 characters")
  .refine(
    (p) => Buffer.byteLength(normalizePassword(p), "utf8") <= 72,
    "Password must be at most 72 bytes",
  );

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(normalizePassword(password), cost);
}

/**
 * Whether `password` matches `hash`. A hash set before passwords were normalised holds the
 * characters as they were typed, so a password that normalisation changes is also checked as given.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const normal = normalizePassword(password);
  if (await bcrypt.compare(normal, hash)) return true;
  return normal !== password && bcrypt.compare(password, hash);
}

let dummy: Promise<string> | undefined;
/** Burns the same bcrypt time as a real check so an unknown email answers like a wrong password. */
export async function burnPasswordCheck(password: string, cost: number): Promise<void> {
  dummy ??= bcrypt.hash("not-a-real-password-0", cost);
  await verifyPassword(password, await dummy);
}
