import { clientErrorFromDb } from "@mbe/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi } from "../../test/harness";

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

type Header = { $ref?: string; description?: string };
type Response = {
  description: string;
  content?: Record<string, unknown>;
  headers?: Record<string, Header>;
};
type Operation = {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: {
    name: string;
    in: string;
    required?: boolean;
    allowEmptyValue?: boolean;
    description?: string;
    schema?: { default?: unknown; type?: unknown; minimum?: number };
  }[];
  requestBody?: {
    content: Record<
      string,
      { schema: { properties?: Record<string, { default?: unknown }>; required?: string[] } }
    >;
  };
  responses: Record<string, Response>;
};
type Doc = {
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    headers?: Record<string, unknown>;
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
  };
};

describe("the OpenAPI document states what the API does", () => {
  let doc: Doc;
  const ops = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
  const op = (id: string) => {
    const found = ops().find((o) => o.op.operationId === id);
    if (!found) throw new Error(`no operation ${id}`);
    return found.op;
  };
  const statuses = (id: string) => Object.keys(op(id).responses);
  beforeAll(async () => {
    doc = (await call<Doc>(api, "GET", "/v1/openapi.json")).body;
  });

  it("gives every operation a summary and declares every tag it uses", () => {
    const all = ops();
    expect(all.length).toBeGreaterThan(60);
    const missing = all
      .filter(({ op }) => !op.summary?.trim())
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(missing).toEqual([]);
    for (const { op } of all)
      expect(op.summary?.length ?? 0, op.operationId).toBeLessThanOrEqual(60);
    const declared = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? ""]));
    const used = new Set(all.flatMap(({ op }) => op.tags ?? []));
    expect(used.size).toBeGreaterThan(0);
    for (const tag of used) expect(declared.get(tag)?.trim(), tag).toBeTruthy();
  });

  it("declares 415 on every operation that takes a body", () => {
    const withBody = ops().filter((o) => o.op.requestBody);
    expect(withBody.length).toBeGreaterThan(20);
    for (const { op } of withBody)
      expect(Object.keys(op.responses), op.operationId).toContain("415");
  });

  it("declares what the public auth operations answer", () => {
    for (const id of [
      "register",
      "login",
      "refreshSession",
      "requestPasswordReset",
      "confirmPasswordReset",
    ])
      expect(statuses(id), id).toEqual(
        expect.arrayContaining(["400", "401", "403", "413", "415", "429", "503"]),
      );
    expect(statuses("login")).toContain("423");
    expect(op("login").responses["423"]?.headers?.["Retry-After"]).toBeDefined();
    expect(op("login").responses["503"]?.headers?.["Retry-After"]).toBeDefined();
    // A malformed Authorization header is refused on every /v1 operation.
    for (const { op: o } of ops().filter((x) => x.path.startsWith("/v1/")))
      expect(Object.keys(o.responses), o.operationId).toContain("401");
  });

  it("describes register's 409 as the email being taken", () => {
    expect(op("register").responses["409"]?.description).toContain("EMAIL_TAKEN");
  });

  it("declares only bearer tokens where API keys are refused", () => {
    for (const id of ["createApiKey", "revokeApiKey", "changePassword", "logout"])
      expect(op(id).security, id).toEqual([{ bearerAuth: [] }]);
    expect(op("listApiKeys").security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }]);
  });

  it("lets signed URLs download without credentials", () => {
    for (const id of ["downloadExport", "getScanPageImage"]) {
      expect(op(id).security, id).toContainEqual({});
      expect(op(id).description, id).toMatch(/exp.*sig.*together/);
    }
  });

  it("declares every file type and header an export streams", () => {
    const types = [
      "text/csv",
      "application/json",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/sql",
      "text/plain",
      "application/zip",
      "application/octet-stream",
    ];
    const streamed = op("createExport").responses["200"];
    expect(Object.keys(streamed?.content ?? {})).toEqual(expect.arrayContaining(types));
    expect(Object.keys(streamed?.headers ?? {})).toEqual(
      expect.arrayContaining(["X-Total-Count", "Content-Disposition"]),
    );
    const downloaded = op("downloadExport").responses["200"];
    expect(Object.keys(downloaded?.content ?? {})).toEqual(expect.arrayContaining(types));
  });

  it("declares the bulk edits' pattern errors and the AI's failures", () => {
    for (const id of ["previewBulkEdit", "applyBulkEdit"]) {
      expect(statuses(id), id).toEqual(expect.arrayContaining(["422", "503"]));
      expect(op(id).responses["503"]?.headers?.["Retry-After"], id).toBeDefined();
    }
    for (const id of ["aiSuggest", "aiAsk"]) expect(statuses(id), id).toContain("502");
  });

  it("documents imports as they are sent and answered", () => {
    const create = op("createImport");
    const commit = op("commitImport");
    for (const o of [create, commit]) {
      for (const status of Object.keys(o.responses).filter((s) => s.startsWith("2")))
        expect(
          JSON.stringify(o.responses[status]?.content),
          `${o.operationId} ${status}`,
        ).toContain("ImportResult");
      expect(o.parameters?.map((p) => `${p.in}:${p.name}`)).toContain("header:Idempotency-Key");
    }
    expect(JSON.stringify(doc.components.schemas.ImportResult)).toMatch(
      /"required":\["replayed"\]/,
    );
    expect(create.parameters?.map((p) => `${p.in}:${p.name}`)).toContain("query:fileName");
    const content = create.requestBody?.content ?? {};
    expect(Object.keys(content)).toEqual(["multipart/form-data", "*/*"]);
    const fields = content["multipart/form-data"]?.schema.properties ?? {};
    expect(fields).toHaveProperty("sheet");
    expect(fields.mode?.default).toBe("upsert");
    expect(fields.matchBy?.default).toBe("sku");
    expect(fields.applyFixes?.default).toBe("false");
  });

  it("documents the rate-limit, retry and request-id headers", () => {
    expect(Object.keys(doc.components.headers ?? {})).toEqual(
      expect.arrayContaining(["RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-Id"]),
    );
    for (const { op: o } of ops().filter((x) => x.path.startsWith("/v1/")))
      for (const [status, r] of Object.entries(o.responses)) {
        const names = Object.keys(r.headers ?? {});
        const where = `${o.operationId} ${status}`;
        expect(names, where).toContain("X-Request-Id");
        if (status.startsWith("2"))
          expect(names, where).toEqual(expect.arrayContaining(["RateLimit", "RateLimit-Policy"]));
        if (["423", "429", "503"].includes(status)) expect(names, where).toContain("Retry-After");
      }
  });

  it("declares query parameters as a query string carries them, empty values included", async () => {
    const query = ops().flatMap(({ op: o }) =>
      (o.parameters ?? []).filter((p) => p.in === "query").map((p) => ({ o, p })),
    );
    expect(query.length).toBeGreaterThan(20);
    // A query string carries text: no parameter is null.
    for (const { o, p } of query)
      expect(JSON.stringify(p.schema?.type), `${o.operationId} ${p.name}`).not.toContain("null");
    for (const id of ["listListings", "searchListings"])
      for (const name of ["priceMin", "priceMax", "category"]) {
        const p = op(id).parameters?.find((x) => x.in === "query" && x.name === name);
        expect(p?.allowEmptyValue, `${id} ${name}`).toBe(true);
        expect(p?.required, `${id} ${name}`).toBe(false);
      }
    const bound = op("listListings").parameters?.find((x) => x.name === "priceMax");
    expect(bound?.schema).toEqual({ type: "number", minimum: 0 });
    expect(bound?.description).toMatch(/empty value is the same as leaving the parameter out/);
    const offset = op("listListings").parameters?.find((x) => x.name === "offset");
    expect(offset?.schema?.type).toBe("integer");

    // What the document says is what the API does: an empty bound is no bound.
    const s = await signUp(api);
    for (const price of [5, 500])
      await call(api, "POST", "/v1/listings", {
        token: s.accessToken,
        body: { title: `Lamp ${price}`, price },
      });
    const empty = await call<{ items: unknown[] }>(
      api,
      "GET",
      "/v1/listings?priceMin=&priceMax=&category=",
      { token: s.accessToken },
    );
    expect(empty.status).toBe(200);
    expect(empty.body.items).toHaveLength(2);
    const bounded = await call<{ items: unknown[] }>(api, "GET", "/v1/listings?priceMax=10", {
      token: s.accessToken,
    });
    expect(bounded.body.items).toHaveLength(1);
    const bad = await call(api, "GET", "/v1/listings?priceMax=-1", { token: s.accessToken });
    expect(bad.status).toBe(400);
  });

  it("declares the 409 a clash between parallel writes answers on every operation that writes", () => {
    // PostgreSQL aborting a transaction on a deadlock or a serialization failure is answered so.
    for (const sqlState of ["40P01", "40001"]) {
      const answer = clientErrorFromDb(new Error("query failed", { cause: { code: sqlState } }));
      expect(answer?.status, sqlState).toBe(409);
      expect(answer?.code, sqlState).toBe("CONFLICT");
    }
    const writes = ops().filter((o) => o.path.startsWith("/v1/") && o.method !== "get");
    expect(writes.length).toBeGreaterThan(30);
    for (const { op: o } of writes)
      expect(o.responses["409"]?.description, o.operationId).toMatch(
        /CONFLICT when other writes to the same rows were being saved at the same time/,
      );
    // What an operation declared for 409 before is still said.
    expect(op("register").responses["409"]?.description).toContain("EMAIL_TAKEN");
    expect(op("updateListing").responses["409"]?.description).toContain("VERSION_CONFLICT");
    // An upload replayed while the first one with its Idempotency-Key failed to start.
    expect(op("createImport").responses["409"]?.description).toMatch(/Idempotency-Key/);
    expect(op("createImport").responses["503"]?.headers?.["Retry-After"]).toBeDefined();
  });

  it("promises Retry-After for search only where it is sent", () => {
    const unavailable = op("searchListings").responses["503"]?.description ?? "";
    expect(unavailable).not.toMatch(/; see Retry-After$/);
    expect(unavailable).toMatch(/without it/i);
  });
});

describe("headers and errors the document promises", () => {
  it("answers X-Request-Id and the rate-limit headers", async () => {
    const s = await signUp(api, "headers");
    const r = await call(api, "GET", "/v1/auth/me", { token: s.accessToken });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-request-id")).toBeTruthy();
    expect(r.headers.get("ratelimit")).toMatch(/^"api";r=\d+;t=\d+$/);
    expect(r.headers.get("ratelimit-policy")).toMatch(/^"api";q=\d+;w=\d+$/);
  });

  it("lets a console on an allowed origin read every header the API documents", async () => {
    const s = await signUp(api, "cors");
    const r = await call(api, "GET", "/v1/auth/me", {
      token: s.accessToken,
      headers: { origin: "http://localhost:5173" },
    });
    expect(r.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const exposed = (r.headers.get("access-control-expose-headers") ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase());
    for (const h of [
      "x-request-id",
      "ratelimit",
      "retry-after",
      "content-disposition",
      "x-total-count",
      "x-export-warnings",
    ])
      expect(exposed).toContain(h);
  });

  it("refuses a malformed Authorization header with 401, even on public routes", async () => {
    const r = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/login", {
      body: { email: "someone@example.test", password: "whatever-password" },
      headers: { authorization: "Token x", "x-forwarded-for": "10.201.0.2" },
    });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("UNAUTHORIZED");
    expect(r.headers.get("x-request-id")).toBeTruthy();
  });

  it("answers a body of the wrong media type with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const r = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/login", {
      raw: "email=a@b.c&password=x",
      headers: {
        "content-type": "text/plain",
        "x-forwarded-for": "10.201.0.1",
      },
    });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 503 without Retry-After when search is off", async () => {
    const s = await signUp(api, "nosearch");
    const r = await call<{ error: { code: string } }>(api, "GET", "/v1/search?q=battery", {
      token: s.accessToken,
    });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("SEARCH_UNAVAILABLE");
    expect(r.headers.get("retry-after")).toBeNull();
  });
});
