import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

describe("health, OpenAPI and docs", () => {
  it("reports liveness and readiness of database and Redis", async () => {
    expect((await call(api, "GET", "/health")).status).toBe(200);
    const ready = await call<{ status: string; checks: Record<string, { ok: boolean }> }>(
      api,
      "GET",
      "/health/ready",
    );
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database?.ok).toBe(true);
    expect(ready.body.checks.redis?.ok).toBe(true);
  });

  it("routes every request with Hono's regular-expression router", async () => {
    await call(api, "GET", "/health");
    // A route the RegExpRouter cannot express (such as a middleware on a static path beside a
    // parameter, `use("/bulk")` next to `/:id`) silently drops every request to the slower trie.
    expect((api.app as unknown as { router: { name: string } }).router.name).toBe(
      "SmartRouter + RegExpRouter",
    );
  });

  it("reports 503 when a dependency fails", async () => {
    api.deps.readiness.push({
      name: "broken",
      check: async () => {
        throw new Error("down");
      },
    });
    const ready = await call<{ status: string }>(api, "GET", "/health/ready");
    api.deps.readiness.pop();
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe("degraded");
  });

  it("publishes an OpenAPI 3.1 document covering every REST operation", async () => {
    const doc = await call<{
      openapi: string;
      paths: Record<string, Record<string, { operationId: string }>>;
    }>(api, "GET", "/v1/openapi.json");
    expect(doc.body.openapi).toBe("3.1.0");
    const ops = Object.values(doc.body.paths).flatMap((p) =>
      Object.values(p).map((o) => o.operationId),
    );
    for (const op of [
      "register",
      "login",
      "refreshSession",
      "logout",
      "getMe",
      "updateMe",
      "changePassword",
      "listApiKeys",
      "createApiKey",
      "revokeApiKey",
      "listListings",
      "createListing",
      "getListing",
      "updateListing",
      "deleteListing",
      "bulkUpsertListings",
      "bulkDeleteListings",
      "listTemplates",
      "createTemplate",
      "getTemplate",
      "updateTemplate",
      "deleteTemplate",
      "applyTemplate",
      "listChangeSets",
      "getChangeSet",
      "undoChangeSet",
      "redoChangeSet",
      "listAuditLogs",
    ])
      expect(ops).toContain(op);
    const docs = await api.app.request("/docs");
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("/v1/openapi.json");
  });

  it("answers unknown routes with the JSON error shape", async () => {
    const r = await call<{ error: { code: string } }>(api, "GET", "/v1/nope");
    expect(r.status).toBe(404);
  });
});
