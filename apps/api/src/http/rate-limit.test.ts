import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi, uniqueEmail } from "../../test/harness";
import { createApp } from "../app";
import { createRateLimits } from "./rate-limit";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "5", LOGIN_PER_MINUTE: "3" });
});
afterAll(() => api.close());

describe("rate limits in Redis", () => {
  it("limits each user to the configured rate with standard headers and Retry-After", async () => {
    const s = await signUp(api);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await call(api, "GET", "/v1/listings", { token: s.accessToken });
      statuses.push(last.status);
    }
    // sign-up consumed one of the IP's requests, not this user's
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(last?.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(last?.headers.get("ratelimit-policy")).toBe('"api";q=5;w=60');
    expect((last?.body as { error?: { code: string } } | undefined)?.error?.code).toBe(
      "RATE_LIMITED",
    );
    const other = await signUp(api);
    expect((await call(api, "GET", "/v1/listings", { token: other.accessToken })).status).toBe(200);
  });

  it("sends the same headers on tRPC answers, Retry-After when spent", async () => {
    const s = await signUp(api);
    const get = () => call(api, "GET", "/trpc/templates.list", { token: s.accessToken });
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-policy")).toBe('"api";q=5;w=60');
    expect(first.headers.get("ratelimit")).toMatch(/^"api";r=4;t=\d+$/);
    let last = first;
    for (let i = 0; i < 5; i++) last = await get();
    expect(last.status).toBe(429);
    expect(last.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("counts every call of a tRPC batch, however its commas are written", async () => {
    const s = await signUp(api);
    const batch = (names: string, calls: number) =>
      call(
        api,
        "GET",
        `/trpc/${names}?batch=1&input=${encodeURIComponent(
          JSON.stringify(Object.fromEntries(Array.from({ length: calls }, (_, i) => [i, {}]))),
        )}`,
        { token: s.accessToken },
      );
    const three = await batch("templates.list,templates.list,templates.list", 3);
    expect(three.status).toBe(200);
    expect(three.headers.get("ratelimit")).toMatch(/^"api";r=2;t=\d+$/);
    // Two calls left: a batch of two written with an encoded comma spends them both.
    const two = await batch("templates.list%2Ctemplates.list", 2);
    expect(two.status).toBe(200);
    expect(two.headers.get("ratelimit")).toMatch(/^"api";r=0;t=\d+$/);
    expect((await batch("templates.list", 1)).status).toBe(429);
  });

  it("answers a spent tRPC sign-in limit with 429 and Retry-After", async () => {
    const headers = { "x-forwarded-for": "203.0.113.78" };
    const res: Awaited<ReturnType<typeof call>>[] = [];
    for (let i = 0; i < 4; i++)
      res.push(
        await call(api, "POST", "/trpc/auth.login", {
          headers,
          body: { email: uniqueEmail(), password: "whatever1" },
        }),
      );
    expect(res.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    expect(res[3]?.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("limits a tRPC refresh by the sign-in limit, as REST does", async () => {
    const headers = { "x-forwarded-for": "203.0.113.79" };
    const res: number[] = [];
    for (let i = 0; i < 4; i++)
      res.push(
        (
          await call(api, "POST", "/trpc/auth.refresh", {
            headers,
            body: { refreshToken: `not-a-token-${i}`.padEnd(43, "x") },
          })
        ).status,
      );
    expect(res.slice(0, 3).every((s) => s !== 429)).toBe(true);
    expect(res[3]).toBe(429);
  });

  it("has a tighter limit on login per IP", async () => {
    const headers = { "x-forwarded-for": "203.0.113.77" };
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push(
        (
          await call(api, "POST", "/v1/auth/login", {
            headers,
            // A new email each time: the limit under test is the address's, not an email's lock.
            body: { email: uniqueEmail(), password: "whatever1" },
          })
        ).status,
      );
    expect(codes).toEqual([401, 401, 401, 429]);
  });

  it("keys sign-in by the address the trusted proxy saw, not one the client claims", async () => {
    const login = (target: TestApi, xff: string) =>
      call(target, "POST", "/v1/auth/login", {
        headers: { "x-forwarded-for": xff },
        body: { email: uniqueEmail(), password: "whatever1" },
      }).then((r) => r.status);
    // Behind one proxy (this API's harness): the proxy appended the real address last.
    const behindProxy: number[] = [];
    for (let i = 0; i < 4; i++) behindProxy.push(await login(api, `198.51.100.${i}, 203.0.113.90`));
    expect(behindProxy).toEqual([401, 401, 401, 429]);
    // With no proxy trusted the header is ignored whatever it says.
    const direct = await createTestApi({ LOGIN_PER_MINUTE: "3", TRUST_PROXY: "0" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(await login(direct, `198.51.100.${i}`));
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await direct.close();
    }
  });

  it("keeps reads going and answers login with 503 when Redis is down", async () => {
    const dead = new Redis("redis://127.0.0.1:1", {
      enableOfflineQueue: false,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const s = await signUp(api);
    const down = createApp({
      ...api.deps,
      rateLimits: createRateLimits(dead, {
        prefix: "down",
        perMinute: 100,
        uploadsPerMinute: 10,
        exportsPerHour: 50,
        loginPerMinute: 10,
      }),
    });
    const read = await down.request("/v1/listings", {
      headers: { authorization: `Bearer ${s.accessToken}` },
    });
    expect(read.status).toBe(200);
    const login = await down.request("/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: s.email, password: s.password }),
    });
    expect(login.status).toBe(503);
    expect(login.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await login.json()) as { error: { code: string } }).error.code).toBe(
      "SERVICE_UNAVAILABLE",
    );
    dead.disconnect();
  });
});
