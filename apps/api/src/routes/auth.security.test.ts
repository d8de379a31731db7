import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi, uniqueEmail } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ LOGIN_PER_MINUTE: "1000" });
});
afterAll(() => api.close());

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

type Tokens = { accessToken: string; refreshToken: string };
const refresh = (refreshToken: string) =>
  call<Tokens>(api, "POST", "/v1/auth/refresh", { body: { refreshToken } });

/** A refresh that lost a race is refused; one that won must have been revoked with the rest. */
async function expectNoLiveSession(refreshed: { status: number; body: Tokens }) {
  if (refreshed.status !== 200) {
    expect(refreshed.status).toBe(401);
    return;
  }
  const me = await call(api, "GET", "/v1/auth/me", { token: refreshed.body.accessToken });
  expect(me.status).toBe(401);
  expect((await refresh(refreshed.body.refreshToken)).status).toBe(401);
}

describe("auth security", () => {
  it("refuses requests without credentials", async () => {
    const r = await call<{ error: { code: string; requestId: string } }>(
      api,
      "GET",
      "/v1/listings",
    );
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("UNAUTHORIZED");
    expect(r.body.error.requestId).toBeTruthy();
  });

  it("rejects alg:none, a wrong key and an expired token", async () => {
    const s = await signUp(api);
    const [, payload] = s.accessToken.split(".");
    const none = `${b64({ alg: "none", typ: "JWT" })}.${payload}.`;
    expect((await call(api, "GET", "/v1/auth/me", { token: none })).status).toBe(401);
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode("x".repeat(40)));
    expect((await call(api, "GET", "/v1/auth/me", { token: forged })).status).toBe(401);
    const key = new TextEncoder().encode(api.deps.jwtSecret);
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 })
      .setProtectedHeader({ alg: "HS256" })
      .sign(key);
    const r = await call<{ error: { code: string } }>(api, "GET", "/v1/auth/me", {
      token: expired,
    });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("TOKEN_EXPIRED");
    const wrongAud = await new SignJWT({ ...claims, aud: "someone-else" })
      .setProtectedHeader({ alg: "HS256" })
      .sign(key);
    expect((await call(api, "GET", "/v1/auth/me", { token: wrongAud })).status).toBe(401);
  });

  it("reusing a rotated refresh token revokes the whole family", async () => {
    const s = await signUp(api);
    const r1 = await call<{ accessToken: string; refreshToken: string }>(
      api,
      "POST",
      "/v1/auth/refresh",
      { body: { refreshToken: s.refreshToken } },
    );
    expect(r1.status).toBe(200);
    const reuse = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/refresh", {
      body: { refreshToken: s.refreshToken },
    });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe("TOKEN_REUSED");
    // The legitimate newer token is dead too, and so is its access token.
    expect(
      (
        await call(api, "POST", "/v1/auth/refresh", {
          body: { refreshToken: r1.body.refreshToken },
        })
      ).status,
    ).toBe(401);
    expect((await call(api, "GET", "/v1/auth/me", { token: r1.body.accessToken })).status).toBe(
      401,
    );
  });

  it("leaves no live session from one refresh token presented twice at once", async () => {
    for (let round = 0; round < 5; round++) {
      const s = await signUp(api);
      const answers = await Promise.all([1, 2, 3].map(() => refresh(s.refreshToken)));
      expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
      // Reuse was seen, so the whole family is gone, the winner's new session included.
      for (const a of answers) await expectNoLiveSession(a);
    }
  });

  it("leaves no live session from a refresh racing a password change", async () => {
    for (let round = 0; round < 5; round++) {
      const s = await signUp(api);
      const [refreshed, changed] = await Promise.all([
        refresh(s.refreshToken),
        call<Tokens>(api, "POST", "/v1/auth/change-password", {
          token: s.accessToken,
          body: { currentPassword: s.password, newPassword: "a-new-long-password" },
        }),
      ]);
      expect(changed.status).toBe(200);
      await expectNoLiveSession(refreshed);
      // The session the password change issued is the one that lives.
      expect(
        (await call(api, "GET", "/v1/auth/me", { token: changed.body.accessToken })).status,
      ).toBe(200);
    }
  });

  it("leaves no live session from a refresh racing a sign-out", async () => {
    for (let round = 0; round < 5; round++) {
      const s = await signUp(api);
      const [refreshed, out] = await Promise.all([
        refresh(s.refreshToken),
        call(api, "POST", "/v1/auth/logout", {
          token: s.accessToken,
          body: { refreshToken: s.refreshToken },
        }),
      ]);
      expect(out.status).toBe(200);
      await expectNoLiveSession(refreshed);
    }
  });

  it("locks the account after 5 failures, even for the right password", async () => {
    const s = await signUp(api);
    for (let i = 0; i < 5; i++) {
      const r = await call(api, "POST", "/v1/auth/login", {
        body: { email: s.email, password: "wrong-password" },
      });
      expect(r.status).toBe(401);
    }
    const locked = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/login", {
      body: { email: s.email, password: s.password },
    });
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe("ACCOUNT_LOCKED");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(1700);
  });

  it("answers an unknown email like a wrong password, in similar time", async () => {
    const s = await signUp(api);
    const time = async (email: string) => {
      const t = performance.now();
      const r = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/login", {
        body: { email, password: "nope-nope-nope" },
      });
      return { ms: performance.now() - t, r };
    };
    await time(uniqueEmail()); // warm the dummy hash
    const unknown = await time(uniqueEmail());
    const wrong = await time(s.email);
    expect(unknown.r.status).toBe(401);
    expect(wrong.r.status).toBe(401);
    expect(unknown.r.body.error.code).toBe(wrong.r.body.error.code);
    expect(Math.abs(unknown.ms - wrong.ms)).toBeLessThan(Math.max(unknown.ms, wrong.ms) * 0.6 + 20);
  });

  it("signs in with the password however its accents were typed", async () => {
    const email = uniqueEmail();
    const register = await call(api, "POST", "/v1/auth/register", {
      body: { email, password: "Caf\u00e9-cr\u00e8me-2026" },
    });
    expect(register.status).toBe(201);
    const login = await call(api, "POST", "/v1/auth/login", {
      body: { email, password: "Cafe\u0301-cre\u0300me-2026" },
    });
    expect(login.status).toBe(200);
  });

  it("records auth events, failures included, in the audit log", async () => {
    const s = await signUp(api);
    await call(api, "POST", "/v1/auth/login", {
      body: { email: s.email, password: "bad-password-1" },
    });
    const logs = await call<{ items: { action: string; outcome: string }[] }>(
      api,
      "GET",
      "/v1/audit-logs",
      { token: s.accessToken },
    );
    expect(logs.status).toBe(200);
    const actions = logs.body.items.map((i) => `${i.action}:${i.outcome}`);
    expect(actions).toContain("auth.register:success");
    expect(actions).toContain("auth.login:failure");
  });
});
