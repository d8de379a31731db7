import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, sampleListing, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

describe("tenant isolation and API keys", () => {
  it("never shows or changes another seller's listings", async () => {
    const alice = await signUp(api, "alice");
    const bob = await signUp(api, "bob");
    const a = await call<{ id: string; changeSetId: string }>(api, "POST", "/v1/listings", {
      token: alice.accessToken,
      body: sampleListing({ title: "Alice secret" }),
    });
    const id = a.body.id;
    expect((await call(api, "GET", `/v1/listings/${id}`, { token: bob.accessToken })).status).toBe(
      404,
    );
    expect(
      (
        await call(api, "PATCH", `/v1/listings/${id}`, {
          token: bob.accessToken,
          body: { title: "pwned" },
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(api, "DELETE", `/v1/listings/${id}`, { token: bob.accessToken })).status,
    ).toBe(404);
    const bulk = await call<{ results: { status: string }[] }>(api, "POST", "/v1/listings/bulk", {
      token: bob.accessToken,
      body: { rows: [{ id, title: "pwned" }] },
    });
    expect(bulk.body.results[0]?.status).toBe("error");
    const del = await call<{ deleted: number }>(api, "POST", "/v1/listings/bulk-delete", {
      token: bob.accessToken,
      body: { ids: [id] },
    });
    expect(del.body.deleted).toBe(0);
    const list = await call<{ items: { id: string }[] }>(
      api,
      "GET",
      `/v1/listings?ids=${id}&q=Alice`,
      { token: bob.accessToken },
    );
    expect(list.body.items).toEqual([]);
    expect(
      (await call(api, "GET", `/v1/change-sets/${a.body.changeSetId}`, { token: bob.accessToken }))
        .status,
    ).toBe(404);
    expect(
      (
        await call(api, "POST", `/v1/change-sets/${a.body.changeSetId}/undo`, {
          token: bob.accessToken,
        })
      ).status,
    ).toBe(404);
    const logs = await call<{ items: { ownerId: string }[] }>(
      api,
      "GET",
      "/v1/audit-logs?all=true",
      { token: bob.accessToken },
    );
    expect(logs.body.items.every((l) => l.ownerId === bob.id)).toBe(true);
    const still = await call<{ title: string }>(api, "GET", `/v1/listings/${id}`, {
      token: alice.accessToken,
    });
    expect(still.body.title).toBe("Alice secret");
  });

  it("API keys work for REST, respect scopes, show the secret once and can be revoked", async () => {
    const s = await signUp(api);
    const ro = await call<{ id: string; secret: string; prefix: string }>(
      api,
      "POST",
      "/v1/api-keys",
      { token: s.accessToken, body: { name: "reader", scopes: ["read"] } },
    );
    expect(ro.status).toBe(201);
    expect(ro.body.secret.startsWith(ro.body.prefix)).toBe(true);
    const list = await call<{ items: Record<string, unknown>[] }>(api, "GET", "/v1/api-keys", {
      token: s.accessToken,
    });
    expect(JSON.stringify(list.body)).not.toContain(ro.body.secret);
    expect(
      (await call(api, "GET", "/v1/listings", { headers: { "x-api-key": ro.body.secret } })).status,
    ).toBe(200);
    const write = await call<{ error: { code: string } }>(api, "POST", "/v1/listings", {
      token: ro.body.secret,
      body: sampleListing(),
    });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe("INSUFFICIENT_SCOPE");
    const rw = await call<{ secret: string }>(api, "POST", "/v1/api-keys", {
      token: s.accessToken,
      body: { name: "writer", scopes: ["read", "write"] },
    });
    const made = await call<{ source: string }>(api, "POST", "/v1/listings", {
      token: rw.body.secret,
      body: sampleListing(),
    });
    expect(made.status).toBe(201);
    expect(made.body.source).toBe("api");
    // A key cannot mint more keys.
    expect(
      (await call(api, "POST", "/v1/api-keys", { token: rw.body.secret, body: { name: "x" } }))
        .status,
    ).toBe(403);
    expect(
      (await call(api, "DELETE", `/v1/api-keys/${ro.body.id}`, { token: s.accessToken })).status,
    ).toBe(200);
    expect(
      (await call(api, "GET", "/v1/listings", { headers: { "x-api-key": ro.body.secret } })).status,
    ).toBe(401);
    const other = await signUp(api);
    const rwId = (
      await call<{ items: { id: string; name: string }[] }>(api, "GET", "/v1/api-keys", {
        token: s.accessToken,
      })
    ).body.items.find((k) => k.name === "writer")?.id;
    expect(
      (await call(api, "DELETE", `/v1/api-keys/${rwId}`, { token: other.accessToken })).status,
    ).toBe(404);
  });

  it("tells caches not to keep API answers, errors and tRPC included", async () => {
    const s = await signUp(api);
    const answers = [
      await call(api, "GET", "/v1/auth/me", { token: s.accessToken }),
      await call(api, "GET", "/v1/listings", { token: s.accessToken }),
      await call(api, "POST", "/v1/api-keys", {
        token: s.accessToken,
        body: { name: "cache", scopes: ["read"] },
      }),
      await call(api, "GET", "/v1/listings", { token: "not-a-token" }),
      await call(api, "GET", "/v1/listings/00000000-0000-0000-0000-000000000000", {
        token: s.accessToken,
      }),
      await call(api, "GET", "/trpc/templates.list", { token: s.accessToken }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 201, 401, 404, 200]);
    for (const r of answers) expect(r.headers.get("cache-control")).toBe("no-store");
    // /health is no seller's data and stays cacheable by whatever probes it.
    expect((await call(api, "GET", "/health")).headers.get("cache-control")).toBeNull();
  });

  it("sets secure headers and a request id on every response", async () => {
    const r = await call(api, "GET", "/health", { headers: { "x-request-id": "abc-123" } });
    expect(r.headers.get("x-request-id")).toBe("abc-123");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(r.headers.get("referrer-policy")).toBeNull();
  });

  it("gives pages the page headers and a policy of their own", async () => {
    const r = await call(api, "GET", "/docs");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-security-policy")).toMatch(/script-src 'self' 'sha256-[^']+'/);
    expect(r.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    expect(r.headers.get("x-request-id")).toBeTruthy();
  });
});
