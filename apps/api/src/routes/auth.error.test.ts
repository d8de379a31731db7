import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

describe("auth errors", () => {
  it("validates registration bodies with a code", async () => {
    const r = await call<{ error: { code: string; details: { issues: { path: string }[] } } }>(
      api,
      "POST",
      "/v1/auth/register",
      { body: { email: "not-an-email", password: "short" } },
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_FAILED");
    expect(r.body.error.details.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(["email", "password"]),
    );
  });

  it("answers malformed JSON with 400, never 500", async () => {
    const r = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/login", {
      raw: "{not json",
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("MALFORMED_BODY");
  });

  it("refuses a taken email regardless of case", async () => {
    const s = await signUp(api);
    const r = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/register", {
      body: { email: s.email.toUpperCase(), password: "long-enough-password" },
    });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("EMAIL_TAKEN");
  });

  it("refuses oversized bodies with 413", async () => {
    const r = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/login", {
      raw: JSON.stringify({ email: "a@b.c", password: "x".repeat(2_000_000) }),
    });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("rejects a wrong current password on change", async () => {
    const s = await signUp(api);
    const r = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/change-password", {
      token: s.accessToken,
      body: { currentPassword: "nope", newPassword: "another-long-password" },
    });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("INVALID_CREDENTIALS");
  });
});
