import { readFileSync } from "node:fs";
import path from "node:path";
import { type OpenAIStub, startOpenAIStub } from "@mbe/search/testing";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  call,
  createTestApi,
  type Res,
  type Seller,
  sampleListing,
  signUp,
  type TestApi,
  upload,
  waitFor,
} from "../../test/harness";

/**
 * Clients are generated from /v1/openapi.json, so every answer the API sends must be one the
 * document declares for its operation: the status code, the media type and, for JSON, the body's
 * shape. Each request below goes through the whole app and its answer is checked against the
 * served document.
 */

type Media = { schema?: Record<string, unknown> };
type ResponseObject = { content?: Record<string, Media> };
type Operation = { operationId?: string; responses: Record<string, ResponseObject> };
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
};

let api: TestApi;
let openai: OpenAIStub;
let doc: Doc;
let ajv: Ajv2020;
const validators = new Map<string, ValidateFunction>();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

beforeAll(async () => {
  openai = await startOpenAIStub();
  api = await createTestApi(
    {
      RATE_LIMIT_PER_MINUTE: "100000",
      UPLOADS_PER_MINUTE: "1000",
      LOGIN_PER_MINUTE: "40",
      EXPORTS_PER_HOUR: "10",
      MAX_JSON_BYTES: "100000",
      MAX_BULK_JSON_BYTES: "200000",
      MAX_IMPORT_BYTES: "300000",
    },
    { workers: true, search: true, openaiBaseUrl: openai.url },
  );
  const res = await api.app.request("/v1/openapi.json");
  doc = (await res.json()) as Doc;
  // The document's own keywords (example, discriminator…) are annotations, not JSON Schema.
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat("uuid", UUID);
  ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
  ajv.addFormat("date", /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat("email", /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat("uri", (s: string) => URL.canParse(s));
  ajv.addFormat("url", (s: string) => URL.canParse(s));
  ajv.addSchema({ $id: "https://mbe.test/openapi.json", components: doc.components });
});
afterAll(async () => {
  await api.close();
  await openai.stop();
});

/** Refs in the document point into its own components, which were added under this id. */
function rebased(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebased);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] =
      k === "$ref" && typeof v === "string" ? `https://mbe.test/openapi.json${v}` : rebased(v);
  }
  return out;
}

function validatorFor(template: string, method: string, status: string, media: string) {
  const key = `${method} ${template} ${status} ${media}`;
  let v = validators.get(key);
  if (!v) {
    const schema = doc.paths[template]?.[method]?.responses[status]?.content?.[media]?.schema;
    v = ajv.compile((rebased(schema) as object | undefined) ?? {});
    validators.set(key, v);
  }
  return v;
}

/**
 * What is wrong with `res` as an answer of `method template` according to the served document,
 * or an empty list.
 */
function mismatches(method: string, template: string, res: Res<unknown>): string[] {
  const m = method.toLowerCase();
  const op = doc.paths[template]?.[m];
  const where = `${method} ${template} → ${res.status}`;
  if (!op) return [`${method} ${template} is not in the document`];
  const status = String(res.status);
  const declared = op.responses[status] ?? op.responses.default;
  if (!declared)
    return [
      `${where}: status not documented (documented: ${Object.keys(op.responses).join(", ")}); body ${JSON.stringify(res.body).slice(0, 300)}`,
    ];
  const media = (res.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const content = declared.content ?? {};
  if (Object.keys(content).length === 0) {
    return res.body === null || res.body === "" ? [] : [`${where}: body sent but none documented`];
  }
  if (!(media in content))
    return [
      `${where}: content type "${media}" not documented (${Object.keys(content).join(", ")})`,
    ];
  if (media !== "application/json" && !media.endsWith("+json")) return [];
  const validate = validatorFor(template, m, status, media);
  if (validate(res.body)) return [];
  return [
    `${where}: body does not match the documented schema: ${JSON.stringify(validate.errors?.slice(0, 5))}; body ${JSON.stringify(res.body).slice(0, 400)}`,
  ];
}

/** Every mismatch a test met, reported together at its end by `done()`. */
let found: string[] = [];
beforeEach(() => {
  found = [];
});
const done = () => expect(found).toEqual([]);

type ReqOptions = Parameters<typeof call>[3] & {
  params?: Record<string, string>;
  query?: string;
  /** Another app than the main one. */
  on?: TestApi;
};

/** Calls `method template` (path parameters filled from `params`) and checks the answer. */
async function req<T = Record<string, unknown>>(
  method: string,
  template: string,
  opts: ReqOptions = {},
): Promise<Res<T>> {
  const { params = {}, query, on = api, ...rest } = opts;
  const path =
    template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? "")) +
    (query ? `?${query}` : "");
  const res = await call<T>(on, method, path, rest);
  found.push(...mismatches(method, template, res));
  return res;
}

const OCR_FIXTURES = path.resolve(__dirname, "../../../../packages/ocr/test/fixtures");

/** Uploads to `template` as multipart and checks the answer. */
async function uploadTo<T = Record<string, unknown>>(
  template: string,
  s: Seller,
  file: { name: string; bytes: Uint8Array },
): Promise<Res<T>> {
  const res = await upload<T>(api, template, file, { token: s.accessToken });
  found.push(...mismatches("POST", template, res));
  return res;
}

async function uploadChecked<T = Record<string, unknown>>(
  s: Seller,
  csv: string,
  fields: Record<string, string> = {},
  name = "listings.csv",
): Promise<Res<T>> {
  const res = await upload<T>(
    api,
    "/v1/imports",
    { name, bytes: new TextEncoder().encode(csv), type: "text/csv" },
    { token: s.accessToken, fields },
  );
  found.push(...mismatches("POST", "/v1/imports", res));
  return res;
}

const clientIp = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

const seed = async (s: Seller, n: number) => {
  const rows = Array.from({ length: n }, (_, i) =>
    sampleListing({ title: `Item ${String(i).padStart(2, "0")}`, price: 10 + i }),
  );
  const r = await req<{ results: { id: string }[]; changeSetId: string }>(
    "POST",
    "/v1/listings/bulk",
    { token: s.accessToken, body: { rows } },
  );
  expect(r.status).toBe(200);
  return r.body;
};

describe("the served OpenAPI document", () => {
  it("is OpenAPI 3.1, whose schemas are JSON Schema 2020-12, and every schema in it compiles", () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const broken: string[] = [];
    for (const [template, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        for (const [status, r] of Object.entries(op.responses ?? {}))
          for (const media of Object.keys(r.content ?? {})) {
            try {
              validatorFor(template, method, status, media);
            } catch (e) {
              broken.push(`${method} ${template} ${status} ${media}: ${(e as Error).message}`);
            }
          }
    expect(broken).toEqual([]);
  });

  it("describes file bytes the 3.1 way (contentMediaType), never with 3.0's format: binary", () => {
    const binary: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (!node || typeof node !== "object") return;
      if ((node as { format?: unknown }).format === "binary") binary.push(where);
      for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
    };
    walk(doc, "#");
    expect(binary).toEqual([]);
    const files = (template: string, method: string, status: string) =>
      doc.paths[template]?.[method]?.responses[status]?.content ?? {};
    expect(files("/v1/exports/{id}/download", "get", "200")["application/zip"]?.schema).toEqual({
      type: "string",
      contentMediaType: "application/zip",
    });
    const createImport = doc.paths["/v1/imports"]?.post as { requestBody?: ResponseObject };
    expect(createImport.requestBody?.content?.["multipart/form-data"]?.schema).toMatchObject({
      properties: { file: { type: "string", contentMediaType: "application/octet-stream" } },
    });
  });

  it("says the AI operations answer 409 when no OpenAI key is configured", () => {
    for (const template of ["/v1/ai/suggest", "/v1/ai/ask"]) {
      const conflict = doc.paths[template]?.post?.responses["409"] as { description?: string };
      expect(conflict?.description).toMatch(/NOT_CONFIGURED/);
      expect(conflict?.description).toMatch(/no OpenAI API key/i);
    }
  });

  it("is checked for real: an answer off the document is reported", () => {
    const headers = new Headers({ "content-type": "application/json" });
    const listing = { id: "not-a-uuid", title: 1 };
    expect(mismatches("GET", "/v1/listings/{id}", { status: 200, body: listing, headers })).toEqual(
      [expect.stringContaining("does not match the documented schema")],
    );
    expect(mismatches("GET", "/v1/listings/{id}", { status: 418, body: {}, headers })).toEqual([
      expect.stringContaining("status not documented"),
    ]);
    const text = new Headers({ "content-type": "text/html" });
    expect(
      mismatches("GET", "/v1/listings/{id}", { status: 404, body: "<p>", headers: text }),
    ).toEqual([expect.stringContaining("content type")]);
  });
});

/** Tests that wait on background work (the worker, the search index) with polls of their own. */
const SLOW = { timeout: 150_000 };

describe("answers match the document", () => {
  it("auth: register, login, refresh, me, logout and their refusals", async () => {
    const email = `conf-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.test`;
    const password = "correct-horse-battery";
    const ip = { "x-forwarded-for": clientIp() };
    const reg = await req<{ accessToken: string; refreshToken: string }>(
      "POST",
      "/v1/auth/register",
      { body: { email, password, firstName: "Conf" }, headers: ip },
    );
    expect(reg.status).toBe(201);
    expect(
      (await req("POST", "/v1/auth/register", { body: { email, password }, headers: ip })).status,
    ).toBe(409);
    expect(
      (await req("POST", "/v1/auth/register", { body: { email: "nope" }, headers: ip })).status,
    ).toBe(400);
    expect((await req("POST", "/v1/auth/register", { raw: "{not json", headers: ip })).status).toBe(
      400,
    );
    expect(
      (
        await req("POST", "/v1/auth/register", {
          raw: "email=x",
          headers: { ...ip, "content-type": "application/x-www-form-urlencoded" },
        })
      ).status,
    ).toBe(415);
    const login = await req<{ accessToken: string; refreshToken: string }>(
      "POST",
      "/v1/auth/login",
      { body: { email, password }, headers: ip },
    );
    expect(login.status).toBe(200);
    expect(
      (
        await req("POST", "/v1/auth/login", {
          body: { email, password: "wrong-password-here" },
          headers: ip,
        })
      ).status,
    ).toBe(401);
    const refreshed = await req<{ accessToken: string }>("POST", "/v1/auth/refresh", {
      body: { refreshToken: login.body.refreshToken },
      headers: ip,
    });
    expect(refreshed.status).toBe(200);
    expect(
      (
        await req("POST", "/v1/auth/refresh", {
          body: { refreshToken: "not-a-real-token" },
          headers: ip,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await req("POST", "/v1/auth/register", {
          body: { email: `x${email}`, password: "short" },
          headers: ip,
        })
      ).status,
    ).toBe(400);
    const token = refreshed.body.accessToken;
    expect((await req("GET", "/v1/auth/me", { token })).status).toBe(200);
    expect((await req("PATCH", "/v1/auth/me", { token, body: { lastName: "Q" } })).status).toBe(
      200,
    );
    expect((await req("GET", "/v1/auth/me")).status).toBe(401);
    expect(
      (await req("GET", "/v1/auth/me", { headers: { authorization: "Bearer garbage" } })).status,
    ).toBe(401);
    expect(
      (
        await req("POST", "/v1/auth/password-reset", {
          body: { email },
          headers: ip,
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await req("POST", "/v1/auth/password-reset/confirm", {
          body: { token: "not-a-reset-token", password: "another-long-password" },
          headers: ip,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await req("POST", "/v1/auth/change-password", {
          token,
          body: { currentPassword: "wrong-password-here", newPassword: "another-long-password" },
        })
      ).status,
    ).toBe(401);
    // A refresh token used twice is refused (and its session ends).
    expect(
      (
        await req("POST", "/v1/auth/refresh", {
          body: { refreshToken: login.body.refreshToken },
          headers: ip,
        })
      ).status,
    ).toBe(401);
    expect((await req("POST", "/v1/auth/logout", { token: reg.body.accessToken })).status).toBe(
      200,
    );
    done();
  });

  it("auth: the lock after failed sign-ins and the sign-in rate limit", async () => {
    const s = await signUp(api);
    const ip = { "x-forwarded-for": clientIp() };
    for (let i = 0; i < 6; i++)
      await req("POST", "/v1/auth/login", {
        body: { email: s.email, password: "wrong-password-here" },
        headers: ip,
      });
    const locked = await req("POST", "/v1/auth/login", {
      body: { email: s.email, password: s.password },
      headers: ip,
    });
    expect(locked.status).toBe(423);
    let limited: Res<unknown> | undefined;
    for (let i = 0; i < 45 && !limited; i++) {
      const r = await req("POST", "/v1/auth/login", {
        body: { email: "nobody@example.test", password: "wrong-password-here" },
        headers: ip,
      });
      if (r.status === 429) limited = r;
    }
    expect(limited?.status).toBe(429);
    done();
  });

  it("listings: CRUD, bulk, filters and cursor, and their 4xx", async () => {
    const s = await signUp(api);
    const token = s.accessToken;
    const created = await req<{ id: string; version: number }>("POST", "/v1/listings", {
      token,
      body: sampleListing({ notAField: 1 }),
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await req("GET", "/v1/listings/{id}", { token, params: { id } })).status).toBe(200);
    expect(
      (
        await req("GET", "/v1/listings/{id}", {
          token,
          params: { id },
          query: "marketplace=facebook",
        })
      ).status,
    ).toBe(200);
    const upd = await req("PATCH", "/v1/listings/{id}", {
      token,
      params: { id },
      body: { price: 12.5, version: 1 },
    });
    expect(upd.status).toBe(200);
    expect(
      (
        await req("PATCH", "/v1/listings/{id}", {
          token,
          params: { id },
          body: { price: 13, version: 1 },
        })
      ).status,
    ).toBe(409);
    expect(
      (await req("POST", "/v1/listings", { token, body: { title: "", price: -1 } })).status,
    ).toBe(400);
    expect((await req("POST", "/v1/listings", { token, raw: "{" })).status).toBe(400);
    expect(
      (
        await req("GET", "/v1/listings/{id}", {
          token,
          params: { id: "00000000-0000-4000-8000-000000000000" },
        })
      ).status,
    ).toBe(404);
    expect(
      (await req("GET", "/v1/listings/{id}", { token, params: { id: "not-a-uuid" } })).status,
    ).toBe(404);
    expect((await req("GET", "/v1/listings")).status).toBe(401);
    expect(
      (
        await req("POST", "/v1/listings", {
          token,
          body: sampleListing({ description: "d".repeat(150_000) }),
        })
      ).status,
    ).toBe(413);
    const sku = `DUP-${Date.now()}`;
    await req("POST", "/v1/listings", { token, body: sampleListing({ sku }) });
    expect(
      (await req("POST", "/v1/listings", { token, body: sampleListing({ sku }) })).status,
    ).toBe(409);
    const other = await signUp(api);
    expect(
      (await req("GET", "/v1/listings/{id}", { token: other.accessToken, params: { id } })).status,
    ).toBe(404);
    expect(
      (await req("GET", "/v1/listings/{id}", { token, params: { id: "x".repeat(101) } })).status,
    ).toBe(400);

    const bulk = await seed(s, 12);
    const partial = await req("POST", "/v1/listings/bulk", {
      token,
      body: { rows: [sampleListing(), { title: 5 }, "x"] },
    });
    expect(partial.status).toBe(200);
    expect((await req("POST", "/v1/listings/bulk", { token, body: { rows: "x" } })).status).toBe(
      400,
    );
    const huge = Array.from({ length: 400 }, () => sampleListing({ description: "d".repeat(600) }));
    expect((await req("POST", "/v1/listings/bulk", { token, body: { rows: huge } })).status).toBe(
      413,
    );

    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs = new URLSearchParams({
        limit: "5",
        sort: "price:desc",
        status: "active",
        q: "Item",
        priceMin: "1",
        ...(cursor ? { cursor } : {}),
      });
      const page: Res<{ nextCursor: string | null }> = await req("GET", "/v1/listings", {
        token,
        query: qs.toString(),
      });
      expect(page.status).toBe(200);
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBeGreaterThan(1);
    expect(
      (await req("GET", "/v1/listings", { token, query: "includeTotal=true&limit=2" })).status,
    ).toBe(200);
    expect((await req("GET", "/v1/listings", { token, query: "limit=0" })).status).toBe(400);
    expect((await req("GET", "/v1/listings", { token, query: "cursor=bogus" })).status).toBe(400);

    const ids = bulk.results.slice(0, 3).map((r) => r.id);
    expect(
      (
        await req("POST", "/v1/listings/bulk-delete", {
          token,
          body: { ids: [...ids, "00000000-0000-4000-8000-000000000000"] },
        })
      ).status,
    ).toBe(200);
    expect((await req("POST", "/v1/listings/bulk-delete", { token, body: {} })).status).toBe(400);
    const history = await req<{ items: { id: string }[] }>("GET", "/v1/change-sets", {
      token,
      query: "limit=50",
    });
    for (const cs of history.body.items)
      expect(
        (await req("GET", "/v1/change-sets/{id}", { token, params: { id: cs.id } })).status,
      ).toBe(200);
    expect((await req("DELETE", "/v1/listings/{id}", { token, params: { id } })).status).toBe(200);
    expect((await req("DELETE", "/v1/listings/{id}", { token, params: { id } })).status).toBe(404);
    done();
  });

  it("templates: CRUD and apply", async () => {
    const s = await signUp(api);
    const token = s.accessToken;
    const { results } = await seed(s, 2);
    const tpl = await req<{ id: string }>("POST", "/v1/templates", {
      token,
      body: { name: "Used", fields: { condition: "Used - Good" } },
    });
    expect(tpl.status).toBe(201);
    const id = tpl.body.id;
    expect((await req("GET", "/v1/templates", { token })).status).toBe(200);
    expect((await req("GET", "/v1/templates/{id}", { token, params: { id } })).status).toBe(200);
    expect(
      (await req("PATCH", "/v1/templates/{id}", { token, params: { id }, body: { name: "U2" } }))
        .status,
    ).toBe(200);
    expect(
      (
        await req("POST", "/v1/templates/{id}/apply", {
          token,
          params: { id },
          body: { listingIds: results.map((r) => r.id) },
        })
      ).status,
    ).toBe(200);
    expect((await req("POST", "/v1/templates", { token, body: { name: "" } })).status).toBe(400);
    const pub = await req<{ id: string }>("POST", "/v1/templates", {
      token,
      body: {
        name: "Shared",
        description: "for all",
        fields: { offerShipping: true },
        isPublic: true,
      },
    });
    expect(pub.status).toBe(201);
    const other = await signUp(api);
    expect(
      (await req("GET", "/v1/templates", { token: other.accessToken, query: "limit=100" })).status,
    ).toBe(200);
    expect(
      (
        await req("PATCH", "/v1/templates/{id}", {
          token: other.accessToken,
          params: { id: pub.body.id },
          body: { name: "Mine now" },
        })
      ).status,
    ).toBe(404);
    expect((await req("DELETE", "/v1/templates/{id}", { token, params: { id } })).status).toBe(200);
    expect((await req("GET", "/v1/templates/{id}", { token, params: { id } })).status).toBe(404);
    done();
  });

  it("bulk edits and change sets: preview, apply, list, get, undo, redo", async () => {
    const s = await signUp(api);
    const token = s.accessToken;
    await seed(s, 4);
    const op = { kind: "priceChange", mode: "percent", value: 10, rounding: "99" };
    const selection = { filter: {} };
    expect(
      (await req("POST", "/v1/bulk-edits/preview", { token, body: { selection, operation: op } }))
        .status,
    ).toBe(200);
    const applied = await req<{ changeSetId: string }>("POST", "/v1/bulk-edits/apply", {
      token,
      body: { selection, operation: op },
    });
    expect(applied.status).toBe(200);
    expect(
      (
        await req("POST", "/v1/bulk-edits/preview", {
          token,
          body: { selection, operation: { kind: "nope" } },
        })
      ).status,
    ).toBe(400);
    const badPattern = await req("POST", "/v1/bulk-edits/preview", {
      token,
      body: {
        selection,
        operation: { kind: "findReplace", field: "title", find: "(", replace: "", regex: true },
      },
    });
    expect(badPattern.status).toBe(400);

    const list = await req<{ items: { id: string }[] }>("GET", "/v1/change-sets", {
      token,
      query: "limit=1",
    });
    expect(list.status).toBe(200);
    const id = applied.body.changeSetId;
    expect((await req("GET", "/v1/change-sets/{id}", { token, params: { id } })).status).toBe(200);
    expect(
      (await req("GET", "/v1/change-sets/{id}", { token, params: { id }, query: "limit=1" }))
        .status,
    ).toBe(200);
    expect((await req("POST", "/v1/change-sets/{id}/undo", { token, params: { id } })).status).toBe(
      200,
    );
    const undoneDetail = await req("GET", "/v1/change-sets/{id}", { token, params: { id } });
    expect(undoneDetail.status).toBe(200);
    expect((await req("POST", "/v1/change-sets/{id}/undo", { token, params: { id } })).status).toBe(
      409,
    );
    expect((await req("POST", "/v1/change-sets/{id}/redo", { token, params: { id } })).status).toBe(
      200,
    );
    expect((await req("POST", "/v1/change-sets/{id}/redo", { token, params: { id } })).status).toBe(
      409,
    );
    expect(
      (
        await req("POST", "/v1/change-sets/{id}/undo", {
          token,
          params: { id: "00000000-0000-4000-8000-000000000000" },
        })
      ).status,
    ).toBe(404);
    done();
  });

  it(
    "imports: upload, get, list, errors.csv, commit, undo, redo, mapping profiles",
    SLOW,
    async () => {
      const s = await signUp(api);
      const token = s.accessToken;
      const csv = "title,price,condition\nLamp,12.50,New\nChair,,Used\nDesk,40,New\n";
      const up = await uploadChecked<{ id: string }>(s, csv);
      expect(up.status).toBe(201);
      const id = up.body.id;
      expect((await req("GET", "/v1/imports/{id}", { token, params: { id } })).status).toBe(200);
      expect((await req("GET", "/v1/imports", { token })).status).toBe(200);
      const errors = await req("GET", "/v1/imports/{id}/errors.csv", { token, params: { id } });
      expect(errors.status).toBe(200);
      const commitKey = { "idempotency-key": `commit-${id}` };
      const commit = await req("POST", "/v1/imports/{id}/commit", {
        token,
        params: { id },
        body: {},
        headers: commitKey,
      });
      expect(commit.status).toBe(202);
      const repeat = await req("POST", "/v1/imports/{id}/commit", {
        token,
        params: { id },
        headers: commitKey,
      });
      expect(repeat.status).toBe(200);
      await waitFor(async () => {
        const r = await req<{ status: string }>("GET", "/v1/imports/{id}", {
          token,
          params: { id },
        });
        return r.body.status === "committed" || r.body.status === "failed";
      }, 30_000);
      expect(
        (await req("POST", "/v1/imports/{id}/commit", { token, params: { id }, body: {} })).status,
      ).toBe(409);
      expect((await req("POST", "/v1/imports/{id}/undo", { token, params: { id } })).status).toBe(
        200,
      );
      expect((await req("POST", "/v1/imports/{id}/redo", { token, params: { id } })).status).toBe(
        200,
      );
      expect((await req("POST", "/v1/imports/{id}/redo", { token, params: { id } })).status).toBe(
        409,
      );
      expect(
        (
          await req("GET", "/v1/imports/{id}", {
            token,
            params: { id: "00000000-0000-4000-8000-000000000000" },
          })
        ).status,
      ).toBe(404);
      const junk = await uploadChecked(s, "\u0000\u0001\u0002", {}, "file.bin");
      expect(junk.status).toBe(415);
      const wide = await uploadChecked(
        s,
        `${Array.from({ length: 600 }, (_, i) => `c${i}`).join(",")}\n`,
      );
      expect(wide.status).toBe(422);
      const big = await uploadChecked(s, `title,price\n${"Lamp,1\n".repeat(60_000)}`);
      expect(big.status).toBe(413);
      const key = { "idempotency-key": `conf-${Date.now()}` };
      const first = await upload(
        api,
        "/v1/imports",
        { name: "again.csv", bytes: new TextEncoder().encode("title,price\nVase,3\n") },
        { token, headers: key },
      );
      found.push(...mismatches("POST", "/v1/imports", first));
      const again = await upload(
        api,
        "/v1/imports",
        { name: "again.csv", bytes: new TextEncoder().encode("title,price\nVase,3\n") },
        { token, headers: key },
      );
      found.push(...mismatches("POST", "/v1/imports", again));
      expect(again.status).toBe(200);
      const raw = await req<{ id: string }>("POST", "/v1/imports", {
        token,
        query: "fileName=raw.csv",
        raw: "title,price,status\nRug,20,bogus\n",
        headers: { "content-type": "text/csv" },
      });
      expect(raw.status).toBe(201);
      expect(
        (
          await req("POST", "/v1/imports/{id}/analyze", {
            token,
            params: { id: raw.body.id },
            body: { mapping: { title: "title", price: "price", status: "ignore" } },
          })
        ).status,
      ).toBe(200);
      expect(
        (await req("GET", "/v1/imports/{id}/errors.csv", { token, params: { id: raw.body.id } }))
          .status,
      ).toBe(200);
      const profile = await req<{ id: string }>("POST", "/v1/mapping-profiles", {
        token,
        body: { name: "Mine", mapping: { Title: "title" } },
      });
      expect(profile.status).toBe(201);
      expect((await req("GET", "/v1/mapping-profiles", { token })).status).toBe(200);
      expect(
        (
          await req("POST", "/v1/mapping-profiles", {
            token,
            body: { name: "Mine", mapping: { Title: "title" } },
          })
        ).status,
      ).toBe(409);

      expect(
        (
          await req("DELETE", "/v1/mapping-profiles/{id}", {
            token,
            params: { id: profile.body.id },
          })
        ).status,
      ).toBe(200);
      done();
    },
  );

  it("exports: a small streamed one and a job", SLOW, async () => {
    const s = await signUp(api);
    const token = s.accessToken;
    await seed(s, 3);
    const streamed = await req("POST", "/v1/exports", { token, body: { format: "csv" } });
    expect(streamed.status).toBe(200);
    const json = await req("POST", "/v1/exports", { token, body: { format: "json" } });
    expect(json.status).toBe(200);
    for (const body of [
      { format: "xlsx", marketplace: "facebook" },
      { format: "csv", marketplace: "shopify" },
      { format: "sql" },
    ])
      expect((await req("POST", "/v1/exports", { token, body })).status).toBe(200);
    const job = await req<{ id: string }>("POST", "/v1/exports", {
      token,
      body: { format: "json", mode: "job" },
    });
    expect(job.status).toBe(202);
    const id = job.body.id;
    const early = await req("GET", "/v1/exports/{id}/download", { token, params: { id } });
    expect([200, 409]).toContain(early.status);
    const ready = await waitFor(async () => {
      const r = await req<{ status: string }>("GET", "/v1/exports/{id}", { token, params: { id } });
      return r.body.status === "completed" || r.body.status === "failed" ? r : undefined;
    }, 30_000);
    expect(ready.status).toBe(200);
    expect((await req("GET", "/v1/exports", { token })).status).toBe(200);
    expect((await req("GET", "/v1/exports/{id}/download", { token, params: { id } })).status).toBe(
      200,
    );
    expect((await req("POST", "/v1/exports", { token, body: { format: "pdf" } })).status).toBe(400);
    const ebay = await req<{ id: string }>("POST", "/v1/exports", {
      token,
      body: { format: "csv", marketplace: "ebay", mode: "job" },
    });
    expect(ebay.status).toBe(202);
    const ebayDone = await waitFor(async () => {
      const r = await req<{ status: string; downloadUrl: string | null }>(
        "GET",
        "/v1/exports/{id}",
        {
          token,
          params: { id: ebay.body.id },
        },
      );
      return r.body.status === "completed" || r.body.status === "failed" ? r : undefined;
    }, 30_000);
    const signed = new URL(ebayDone.body.downloadUrl ?? "", "http://localhost");
    expect(
      (
        await req("GET", "/v1/exports/{id}/download", {
          params: { id: ebay.body.id },
          query: signed.searchParams.toString(),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await req("GET", "/v1/exports/{id}/download", {
          params: { id: ebay.body.id },
          query: `${signed.searchParams.toString()}x`,
        })
      ).status,
    ).toBe(401);
    expect((await req("GET", "/v1/exports", { token, query: "limit=1" })).status).toBe(200);
    let limited: Res<unknown> | undefined;
    for (let i = 0; i < 12 && !limited; i++) {
      const r = await req("POST", "/v1/exports", { token, body: { format: "text" } });
      if (r.status === 429) limited = r;
    }
    expect(limited?.status).toBe(429);
    expect(
      (
        await req("GET", "/v1/exports/{id}", {
          token,
          params: { id: "00000000-0000-4000-8000-000000000000" },
        })
      ).status,
    ).toBe(404);
    done();
  });

  it("api keys, search, analytics and audit logs", SLOW, async () => {
    const s = await signUp(api);
    const token = s.accessToken;
    await seed(s, 2);
    const key = await req<{ id: string; secret: string }>("POST", "/v1/api-keys", {
      token,
      body: { name: "ci", scopes: ["read"] },
    });
    expect(key.status).toBe(201);
    expect((await req("GET", "/v1/api-keys", { token })).status).toBe(200);
    expect((await req("GET", "/v1/listings", { token: key.body.secret })).status).toBe(200);
    const asKey = { token: key.body.secret };
    expect((await req("GET", "/v1/auth/me", asKey)).status).toBe(200);
    expect(
      (
        await req("POST", "/v1/auth/change-password", {
          ...asKey,
          body: { currentPassword: s.password, newPassword: "another-long-password" },
        })
      ).status,
    ).toBe(403);
    expect((await req("POST", "/v1/auth/logout", asKey)).status).toBe(403);
    expect(
      (await req("DELETE", "/v1/api-keys/{id}", { ...asKey, params: { id: key.body.id } })).status,
    ).toBe(403);
    expect(
      (await req("POST", "/v1/listings", { token: key.body.secret, body: sampleListing() })).status,
    ).toBe(403);
    expect(
      (await req("POST", "/v1/api-keys", { token: key.body.secret, body: { name: "x" } })).status,
    ).toBe(403);
    expect((await req("POST", "/v1/api-keys", { token, body: { name: "" } })).status).toBe(400);
    expect(
      (await req("DELETE", "/v1/api-keys/{id}", { token, params: { id: key.body.id } })).status,
    ).toBe(200);
    expect((await req("GET", "/v1/listings", { token: key.body.secret })).status).toBe(401);

    const hits = await waitFor(async () => {
      const r = await req<{ items: unknown[] }>("GET", "/v1/search", { token, query: "q=battery" });
      return r.status === 200 && r.body.items.length > 0 ? r : undefined;
    });
    expect(hits.status).toBe(200);
    const listingId = (
      await req<{ items: { id: string }[] }>("GET", "/v1/listings", { token, query: "limit=1" })
    ).body.items[0]?.id;
    // 404 until the listing itself is indexed, then 200.
    const similar = await waitFor(async () => {
      const r = await req("GET", "/v1/listings/{id}/similar", {
        token,
        params: { id: listingId ?? "" },
      });
      return r.status === 200 ? r : undefined;
    });
    expect(similar.status).toBe(200);
    expect((await req("GET", "/v1/duplicates", { token })).status).toBe(200);
    expect((await req("GET", "/v1/search", { token })).status).toBe(400);
    expect(
      (
        await req("POST", "/v1/duplicates/merge", {
          token,
          body: { keepId: listingId, mergeIds: [listingId] },
        })
      ).status,
    ).toBe(400);
    const suggested = await req<{ suggestions: { id: string; after: { title: string } }[] }>(
      "POST",
      "/v1/ai/suggest",
      { token, body: { listingIds: [listingId], marketplace: "ebay" } },
    );
    expect(suggested.status).toBe(200);
    const first = suggested.body.suggestions[0];
    expect(
      (
        await req("POST", "/v1/ai/apply", {
          token,
          body: { suggestions: [{ id: first?.id, title: first?.after.title }] },
        })
      ).status,
    ).toBe(200);
    expect(
      (await req("POST", "/v1/ai/ask", { token, body: { question: "Which batteries do I sell?" } }))
        .status,
    ).toBe(200);
    expect((await req("POST", "/v1/ai/ask", { token, body: { question: "?" } })).status).toBe(400);
    expect((await req("GET", "/v1/analytics/overview", { token })).status).toBe(200);
    expect((await req("GET", "/v1/analytics/overview", { token, query: "days=9999" })).status).toBe(
      400,
    );
    expect((await req("GET", "/v1/audit-logs", { token })).status).toBe(200);
    expect((await req("GET", "/v1/audit-logs", { token, query: "limit=1" })).status).toBe(200);
    done();
  });
  it("admin: users, stats, deactivate, reactivate, unlock, and 403 for sellers", async () => {
    const admin = await signUp(api, "admin");
    const seller = await signUp(api);
    expect((await req("GET", "/v1/admin/users", { token: seller.accessToken })).status).toBe(403);
    const sql = api.db.sql;
    if (!sql) throw new Error("the test database handle exposes no raw client");
    await sql`update users set role = 'admin' where id = ${admin.id}`;
    const token = admin.accessToken;
    expect((await req("GET", "/v1/admin/users", { token, query: "limit=5" })).status).toBe(200);
    expect((await req("GET", "/v1/admin/stats", { token })).status).toBe(200);
    const params = { id: seller.id };
    expect((await req("POST", "/v1/admin/users/{id}/deactivate", { token, params })).status).toBe(
      200,
    );
    expect(
      (
        await req("POST", "/v1/auth/login", {
          body: { email: seller.email, password: seller.password },
          headers: { "x-forwarded-for": clientIp() },
        })
      ).status,
    ).toBe(403);
    expect((await req("POST", "/v1/admin/users/{id}/reactivate", { token, params })).status).toBe(
      200,
    );
    expect((await req("POST", "/v1/admin/users/{id}/unlock", { token, params })).status).toBe(200);
    expect(
      (
        await req("POST", "/v1/admin/users/{id}/unlock", {
          token,
          params: { id: "00000000-0000-4000-8000-000000000000" },
        })
      ).status,
    ).toBe(404);
    expect((await req("GET", "/v1/audit-logs", { token, query: "all=true" })).status).toBe(200);
    expect((await req("POST", "/v1/admin/search/reindex", { token })).status).toBe(202);
    expect((await req("POST", "/v1/admin/queues-ticket", { token })).status).toBe(200);
    done();
  });

  it(
    "OCR scans: upload, get, list, page image, correct, convert, delete, refusals",
    SLOW,
    async () => {
      const s = await signUp(api);
      const token = s.accessToken;
      const pdf = new Uint8Array(readFileSync(path.join(OCR_FIXTURES, "text-layer.pdf")));
      const up = await uploadTo<{ id: string }>("/v1/ocr/scans", s, {
        name: "catalog.pdf",
        bytes: pdf,
      });
      expect(up.status).toBe(201);
      const id = up.body.id;
      const scan = await waitFor(async () => {
        const r = await req<{ status: string; items: Record<string, unknown>[] }>(
          "GET",
          "/v1/ocr/scans/{id}",
          { token, params: { id } },
        );
        return r.body.status === "completed" || r.body.status === "failed" ? r : undefined;
      }, 60_000);
      expect(scan.body.status).toBe("completed");
      expect((await req("GET", "/v1/ocr/scans", { token })).status).toBe(200);
      expect(
        (
          await req("GET", "/v1/ocr/scans/{id}/pages/{page}/image", {
            token,
            params: { id, page: "1" },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await req("PATCH", "/v1/ocr/scans/{id}", {
            token,
            params: { id },
            body: { items: scan.body.items.slice(0, 2) },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await req("POST", "/v1/ocr/scans/{id}/convert", {
            token,
            params: { id },
            body: { items: [0] },
          })
        ).status,
      ).toBe(200);
      // Only a scan still waiting or being read can be cancelled.
      expect(
        (await req("POST", "/v1/ocr/scans/{id}/cancel", { token, params: { id } })).status,
      ).toBe(409);
      expect(
        (
          await req("GET", "/v1/ocr/scans/{id}/pages/{page}/image", {
            token,
            params: { id, page: "99" },
          })
        ).status,
      ).toBe(404);
      expect(
        (await req("POST", "/v1/ocr/scans/{id}/rerun", { token, params: { id } })).status,
      ).toBe(202);
      // A scan being read cannot be deleted: wait for the second reading.
      await waitFor(async () => {
        const r = await req<{ status: string }>("GET", "/v1/ocr/scans/{id}", {
          token,
          params: { id },
        });
        return r.body.status === "completed" || r.body.status === "failed";
      }, 60_000);
      const svg = await uploadTo("/v1/ocr/scans", s, {
        name: "evil.png",
        bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
      });
      expect(svg.status).toBe(415);
      expect((await req("DELETE", "/v1/ocr/scans/{id}", { token, params: { id } })).status).toBe(
        200,
      );
      expect((await req("GET", "/v1/ocr/scans/{id}", { token, params: { id } })).status).toBe(404);
      done();
    },
  );
});

describe("answers match the document without the search service", () => {
  let bare: TestApi;
  beforeAll(async () => {
    bare = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
  });
  afterAll(() => bare.close());

  it("search, similar listings, duplicates and AI refuse with documented answers", async () => {
    const s = await signUp(bare);
    const token = s.accessToken;
    const made = await call<{ id: string }>(bare, "POST", "/v1/listings", {
      token,
      body: sampleListing(),
    });
    const id = made.body.id;
    const on = bare;
    const check = async (method: string, template: string, opts: ReqOptions = {}) =>
      (await req(method, template, { ...opts, on })).status;
    expect(await check("GET", "/v1/search", { token, query: "q=lamp" })).toBe(503);
    expect(await check("GET", "/v1/listings/{id}/similar", { token, params: { id } })).toBe(503);
    expect(await check("GET", "/v1/duplicates", { token })).toBe(503);
    // Without an OpenAI key: NOT_CONFIGURED.
    expect(await check("POST", "/v1/ai/suggest", { token, body: { listingIds: [id] } })).toBe(409);
    expect(await check("POST", "/v1/ai/ask", { token, body: { question: "what sells?" } })).toBe(
      409,
    );
    expect(await check("POST", "/v1/ai/apply", { token, body: { items: [] } })).toBe(400);
    done();
  });
});
