import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { defaultAuthConfig } from "../context";
import { signAccessToken, verifyAccessToken } from "./tokens";

const cfg = defaultAuthConfig("unit-test-secret-unit-test-secret-0001");
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);
function forge(header: unknown, payload: unknown, secret = cfg.jwtSecret) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}
const claims = (over: Record<string, unknown> = {}) => ({
  sub: "u1",
  sid: "s1",
  role: "seller",
  iss: cfg.jwtIssuer,
  aud: cfg.jwtAudience,
  iat: now(),
  exp: now() + 60,
  ...over,
});

describe("access tokens", () => {
  it("round-trips the claims it signs", async () => {
    const t = await signAccessToken(cfg, { userId: "u1", sessionId: "s1", role: "admin" });
    await expect(verifyAccessToken(cfg, t)).resolves.toMatchObject({
      sub: "u1",
      sid: "s1",
      role: "admin",
    });
  });

  it("refuses a token signed with another secret or tampered with", async () => {
    await expect(
      verifyAccessToken(cfg, forge({ alg: "HS256" }, claims(), "other")),
    ).rejects.toMatchObject({
      code: "TOKEN_INVALID",
    });
    const t = await signAccessToken(cfg, { userId: "u1", sessionId: "s1", role: "seller" });
    const [h, , s] = t.split(".");
    const tampered = `${h}.${b64(claims({ role: "admin" }))}.${s}`;
    await expect(verifyAccessToken(cfg, tampered)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
  });

  it("refuses alg none and any algorithm but HS256", async () => {
    const none = `${b64({ alg: "none" })}.${b64(claims())}.`;
    await expect(verifyAccessToken(cfg, none)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
    const hs512 = forge({ alg: "HS512" }, claims());
    await expect(verifyAccessToken(cfg, hs512)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
  });

  it("checks exp, iss, aud and required claims", async () => {
    const sign = (over: Record<string, unknown>) =>
      forge({ alg: "HS256", typ: "JWT" }, claims(over));
    await expect(verifyAccessToken(cfg, sign({ exp: now() - 1 }))).rejects.toMatchObject({
      code: "TOKEN_EXPIRED",
    });
    for (const over of [{ iss: "elsewhere" }, { aud: "other-api" }, { sub: 42 }, { exp: "soon" }])
      await expect(verifyAccessToken(cfg, sign(over))).rejects.toMatchObject({
        code: "TOKEN_INVALID",
      });
    await expect(verifyAccessToken(cfg, sign({}))).resolves.toMatchObject({ sub: "u1" });
  });

  it("refuses malformed input without throwing anything else", async () => {
    for (const t of ["", "a.b", "a.b.c.d", "!!.??.##", `${b64([1])}.${b64(claims())}.x`])
      await expect(verifyAccessToken(cfg, t)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
  });
});
