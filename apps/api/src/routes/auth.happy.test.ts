import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

describe("auth happy paths", () => {
  it("registers, reads and updates the profile", async () => {
    const s = await signUp(api);
    const me = await call<{ email: string; role: string }>(api, "GET", "/v1/auth/me", {
      token: s.accessToken,
    });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(s.email);
    expect(me.body.role).toBe("seller");
    const upd = await call<{ firstName: string; preferences: Record<string, unknown> }>(
      api,
      "PATCH",
      "/v1/auth/me",
      {
        token: s.accessToken,
        body: { firstName: "Ada", preferences: { theme: "dark" } },
      },
    );
    expect(upd.status).toBe(200);
    expect(upd.body.firstName).toBe("Ada");
    expect(upd.body.preferences).toEqual({ theme: "dark" });
  });

  it("logs in case-insensitively and rotates refresh tokens", async () => {
    const s = await signUp(api);
    const login = await call<{ accessToken: string; refreshToken: string }>(
      api,
      "POST",
      "/v1/auth/login",
      {
        body: { email: s.email.toUpperCase(), password: s.password },
      },
    );
    expect(login.status).toBe(200);
    const r1 = await call<{ accessToken: string; refreshToken: string }>(
      api,
      "POST",
      "/v1/auth/refresh",
      { body: { refreshToken: login.body.refreshToken } },
    );
    expect(r1.status).toBe(200);
    expect(r1.body.refreshToken).not.toBe(login.body.refreshToken);
    const me = await call(api, "GET", "/v1/auth/me", { token: r1.body.accessToken });
    expect(me.status).toBe(200);
  });

  it("logout ends the session's access token at once", async () => {
    const s = await signUp(api);
    expect(
      (await call(api, "POST", "/v1/auth/logout", { token: s.accessToken, body: {} })).status,
    ).toBe(200);
    const me = await call<{ error: { code: string } }>(api, "GET", "/v1/auth/me", {
      token: s.accessToken,
    });
    expect(me.status).toBe(401);
    const refresh = await call(api, "POST", "/v1/auth/refresh", {
      body: { refreshToken: s.refreshToken },
    });
    expect(refresh.status).toBe(401);
  });

  it("password change revokes other sessions and returns a working one", async () => {
    const s = await signUp(api);
    const other = await call<{ accessToken: string }>(api, "POST", "/v1/auth/login", {
      body: { email: s.email, password: s.password },
    });
    const changed = await call<{ accessToken: string }>(api, "POST", "/v1/auth/change-password", {
      token: s.accessToken,
      body: { currentPassword: s.password, newPassword: "another-long-password" },
    });
    expect(changed.status).toBe(200);
    expect((await call(api, "GET", "/v1/auth/me", { token: other.body.accessToken })).status).toBe(
      401,
    );
    expect((await call(api, "GET", "/v1/auth/me", { token: s.accessToken })).status).toBe(401);
    expect(
      (await call(api, "GET", "/v1/auth/me", { token: changed.body.accessToken })).status,
    ).toBe(200);
    const oldLogin = await call(api, "POST", "/v1/auth/login", {
      body: { email: s.email, password: s.password },
    });
    expect(oldLogin.status).toBe(401);
  });
});
