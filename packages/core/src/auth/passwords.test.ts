import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { hashPassword, Password, verifyPassword } from "./passwords";

const composed = "Caf\u00e9-cr\u00e8me-2026";
const decomposed = "Cafe\u0301-cre\u0300me-2026";

describe("passwords", () => {
  it("are the same password however their accents were typed", async () => {
    expect(composed).not.toBe(decomposed);
    const hash = await hashPassword(composed, 4);
    expect(await verifyPassword(decomposed, hash)).toBe(true);
    expect(await verifyPassword(composed, hash)).toBe(true);
    const other = await hashPassword(decomposed, 4);
    expect(await verifyPassword(composed, other)).toBe(true);
    // Full-width letters are their plain forms.
    const wide = await hashPassword("\uff50\uff41\uff53\uff53-word-1", 4);
    expect(await verifyPassword("pass-word-1", wide)).toBe(true);
    expect(await verifyPassword("Cafe-creme-2026", hash)).toBe(false);
  });

  it("still accept a hash made from the characters as typed", async () => {
    const legacy = await bcrypt.hash(decomposed, 4);
    expect(await verifyPassword(decomposed, legacy)).toBe(true);
    expect(await verifyPassword("something-else-1", legacy)).toBe(false);
  });

  it("are limited to 72 bytes in the form that is hashed", () => {
    // U+FDFA is one character of three bytes that normalises to eighteen characters (33 bytes).
    const expands = `${"\ufdfa".repeat(3)}abcdefgh`;
    expect(Buffer.byteLength(expands, "utf8")).toBeLessThanOrEqual(72);
    expect(Password.safeParse(expands).success).toBe(false);
    expect(Password.safeParse("a".repeat(72)).success).toBe(true);
  });
});
