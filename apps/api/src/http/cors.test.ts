import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ CORS_ORIGINS: "https://console.example.com" });
});
afterAll(() => api.close());

describe("CORS", () => {
  it("answers an allowed origin's preflight and marks its responses", async () => {
    const pre = await api.app.request("/v1/listings", {
      method: "OPTIONS",
      headers: {
        origin: "https://console.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://console.example.com");
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain(
      "authorization",
    );
    expect(pre.headers.get("x-request-id")).toBeTruthy();

    const s = await signUp(api);
    const res = await call(api, "GET", "/v1/listings", {
      token: s.accessToken,
      headers: { origin: "https://console.example.com" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://console.example.com");
    expect(res.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    expect(res.headers.get("ratelimit-policy")).toBeTruthy();
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("gives other origins no CORS grant, and same-origin calls no CORS headers", async () => {
    const other = await api.app.request("/health", { headers: { origin: "https://evil.example" } });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const same = await api.app.request("/health");
    expect(same.headers.get("access-control-allow-origin")).toBeNull();
    expect(same.headers.get("x-request-id")).toBeTruthy();
  });

  it("keeps the caller's request id when it is sane and replaces it otherwise", async () => {
    const kept = await api.app.request("/health", { headers: { "x-request-id": "abc-123" } });
    expect(kept.headers.get("x-request-id")).toBe("abc-123");
    const bad = await api.app.request("/v1/nope", { headers: { "x-request-id": "<script>" } });
    expect(bad.status).toBe(404);
    const id = bad.headers.get("x-request-id");
    expect(id).not.toBe("<script>");
    expect(((await bad.json()) as { error: { requestId: string } }).error.requestId).toBe(id);
  });
});
