import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "5" });
});
afterAll(() => api.close());

describe("refused credentials", () => {
  it("count against the address's request limit, so keys and tokens cannot be guessed unlimited", async () => {
    const statuses: number[] = [];
    const headers = { "x-forwarded-for": "10.93.0.1" };
    for (let i = 0; i < 4; i++) {
      const key = await call(api, "GET", "/v1/listings", {
        headers: { ...headers, "x-api-key": `mbe_${"x".repeat(40)}${i}` },
      });
      const jwt = await call(api, "GET", "/v1/listings", { headers, token: `not.a.jwt${i}` });
      statuses.push(key.status, jwt.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    // Another address still gets its own answer.
    const other = await call(api, "GET", "/v1/listings", {
      headers: { "x-forwarded-for": "10.93.0.2" },
      token: "not.a.jwt",
    });
    expect(other.status).toBe(401);
  });
});
