import bcrypt from "bcryptjs";
import { z } from "zod";

/** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently truncated. */
export const Password = z
  .string()
  .min(8, "Password must be at least 8 characters")
  .refine((p) => Buffer.byteLength(p, "utf8") <= 72, "Password must be at most 72 bytes");

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

let dummy: Promise<string> | undefined;
/** Burns the same bcrypt time as a real check so an unknown email answers like a wrong password. */
export async function burnPasswordCheck(password: string, cost: number): Promise<void> {
  dummy ??= bcrypt.hash("not-a-real-password-0", cost);
  await bcrypt.compare(password, await dummy);
}
