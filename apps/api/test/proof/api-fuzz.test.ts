import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, type Res, type Seller, sampleListing, signUp, type TestApi } from "../harness";
import { bodyFor, hostileValue, PROTOTYPE_KEYS } from "./arbitraries";
import {
  createProofApi,
  discoverOperations,
  discoverProcedures,
  expectRestClientSafe,
  expectTrpcClientSafe,
  type Operation,
  type Procedure,
  trpc,
} from "./common";
import { reportProof } from "./tally";

/**
 * Every REST operation with a JSON body and every tRPC procedure gets generated input: bodies
 * shaped by the documented schema, the same with one hostile value planted, random JSON, and
 * malformed text. None may answer 5xx; client errors keep the documented error shape.
 */

const REST_RUNS = 110;
/** Operations that hash passwords run bcrypt per valid case: fewer runs keep the suite quick. */
const SLOW_REST_RUNS = 30;
const SLOW = new Set(["register", "login", "changePassword", "logout"]);
const TRPC_RUNS = 25;

let api: TestApi;
let seller: Seller;
let ids: string[] = [];
let ops: Operation[] = [];
let cases = 0;
const started = performance.now();

/** Resource ids of the seller, by the collection path that owns them. */
const byCollection = new Map<string, string>();

/** A new seller with one resource of each kind, so each operation is fuzzed in its own tenant. */
async function freshSeller() {
  seller = await signUp(api, "fuzz");
  const listing = await call<{ id: string; changeSetId: string }>(api, "POST", "/v1/listings", {
    token: seller.accessToken,
    body: sampleListing(),
  });
  const template = await call<{ id: string }>(api, "POST", "/v1/templates", {
    token: seller.accessToken,
    body: { name: "fuzz", fields: { condition: "New" } },
  });
  const profile = await call<{ id: string }>(api, "POST", "/v1/mapping-profiles", {
    token: seller.accessToken,
    body: { name: "fuzz", mapping: { Title: "title" } },
  });
  const key = await call<{ id: string }>(api, "POST", "/v1/api-keys", {
    token: seller.accessToken,
    body: { name: "fuzz", scopes: ["read"] },
  });
  byCollection.set("/v1/listings", listing.body.id);
  byCollection.set("/v1/change-sets", listing.body.changeSetId);
  byCollection.set("/v1/templates", template.body.id);
  byCollection.set("/v1/mapping-profiles", profile.body.id);
  byCollection.set("/v1/api-keys", key.body.id);
  byCollection.set("/v1/admin/users", seller.id);
  ids = [...byCollection.values()];
}

/**
 * Generated bulk edits may duplicate the whole catalog again and again; past a few hundred
 * listings every later case would only measure the growth, so the catalog is emptied.
 */
async function boundCatalog() {
  const r = await call<{ total?: number }>(api, "GET", "/v1/listings?limit=1&includeTotal=true", {
    token: seller.accessToken,
  });
  if ((r.body.total ?? 0) > 300)
    await call(api, "POST", "/v1/bulk-edits/apply", {
      token: seller.accessToken,
      body: { selection: { filter: {} }, operation: { kind: "delete" } },
    });
}

beforeAll(async () => {
  api = await createProofApi({ search: true });
  await freshSeller();
  ops = await discoverOperations(api);
}, 120_000);

afterAll(async () => {
  await api?.close();
  reportProof("rest-trpc-fuzz", cases, performance.now() - started);
});

/** A real id of the right kind when there is one, otherwise a random uuid or junk. */
function idFor(path: string): fc.Arbitrary<string> {
  const real = [...byCollection.entries()].find(([p]) => path.startsWith(`${p}/`))?.[1];
  return fc.oneof(
    { arbitrary: fc.constant(real ?? "00000000-0000-4000-8000-000000000000"), weight: 3 },
    { arbitrary: fc.uuid(), weight: 1 },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  );
}

/** One line per failed property: the error and the (shrunk) case that caused it. */
function failureLine<Ts>(run: fc.RunDetails<Ts>): string {
  const err =
    run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
  return `${err.slice(0, 300)} <- ${fc.stringify(run.counterexample).slice(0, 300)}`;
}

function fillPath(path: string, id: string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) =>
    name === "page" ? "1" : encodeURIComponent(id) || "x",
  );
}

/** Keeps the fuzzing session alive when a case signed it out (logout, password change). */
async function keepSession(op: Operation) {
  if (op.operationId !== "logout" && op.operationId !== "changePassword") return;
  const me = await call(api, "GET", "/v1/auth/me", { token: seller.accessToken });
  if (me.status === 401) {
    const fresh = await signUp(api, "fuzz");
    seller.accessToken = fresh.accessToken;
  }
}

describe("REST bodies from the OpenAPI document", () => {
  it("finds operations with JSON bodies to fuzz", () => {
    const withBody = ops.filter((o) => o.jsonBody);
    expect(withBody.length).toBeGreaterThanOrEqual(20);
  });

  it("never answers 5xx to any generated body, on any operation", async () => {
    const withBody = ops.filter((o) => o.jsonBody);
    const failures: string[] = [];
    for (const op of withBody) {
      const label = `${op.method} ${op.path} (${op.operationId})`;
      await freshSeller();
      const run = await fc.check(
        fc.asyncProperty(
          bodyFor(op.jsonBody ?? {}, ids),
          idFor(op.path),
          fc.boolean(),
          async (body, id, authed) => {
            cases++;
            // Public operations are also fuzzed signed out; secured ones mostly signed in.
            const token = op.secured || authed ? seller.accessToken : undefined;
            const r: Res<unknown> = await call(api, op.method, fillPath(op.path, id), {
              token,
              ...("raw" in body ? { raw: body.raw } : { body: body.json }),
            });
            expectRestClientSafe(r, label);
            if (r.status < 300) await keepSession(op);
            if (r.status < 300 && cases % 10 === 0) await boundCatalog();
          },
        ),
        { numRuns: SLOW.has(op.operationId) ? SLOW_REST_RUNS : REST_RUNS },
      );
      if (run.failed) failures.push(failureLine(run));
    }
    expect(failures).toEqual([]);
  }, 400_000);

  it("never answers 5xx to hostile query strings on GET operations", async () => {
    const gets = ops.filter((o) => o.method === "GET" && o.secured);
    const queryValue = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        "-1",
        "0",
        "1e999",
        "NaN",
        "true",
        "[]",
        "{}",
        "%",
        "\u0000",
        "a".repeat(5000),
      ),
      fc.integer().map(String),
    );
    const names = [
      "limit",
      "offset",
      "before",
      "cursor",
      "sort",
      "status",
      "priceMin",
      "priceMax",
      "q",
      "ids",
      "marketplace",
      "days",
      "buckets",
      "threshold",
      "entriesLimit",
      "entriesAfter",
      "all",
      "exp",
      "sig",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...gets),
        fc.dictionary(fc.constantFrom(...names), queryValue, { maxKeys: 4 }),
        fc.uuid(),
        async (op, query, id) => {
          cases++;
          const qs = new URLSearchParams(query).toString();
          const real = byCollection.get(op.path.split("/{")[0] ?? "") ?? id;
          const r = await call(api, "GET", `${fillPath(op.path, real)}${qs ? `?${qs}` : ""}`, {
            token: seller.accessToken,
          });
          expectRestClientSafe(r, `GET ${op.path}?${qs.slice(0, 200)}`);
        },
      ),
      { numRuns: 500 },
    );
  }, 300_000);
});

describe("tRPC inputs from the router", () => {
  it("never answers 5xx to generated input on any procedure", async () => {
    const procedures = discoverProcedures().filter((p) => p.type !== "subscription");
    expect(procedures.length).toBeGreaterThanOrEqual(50);
    const input = fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 1 },
      { arbitrary: hostileValue, weight: 3 },
      {
        arbitrary: fc.record(
          {
            id: fc.oneof(fc.constantFrom(...ids), fc.uuid(), fc.string({ maxLength: 20 })),
            limit: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })),
            title: fc.oneof(fc.string({ maxLength: 30 }), hostileValue),
            price: fc.oneof(fc.double(), fc.string({ maxLength: 12 })),
            ids: fc.array(fc.oneof(fc.constantFrom(...ids), fc.uuid()), { maxLength: 3 }),
            selection: hostileValue,
            operation: hostileValue,
          },
          { requiredKeys: [] },
        ),
        weight: 4,
      },
    );
    const failures: string[] = [];
    for (const proc of procedures) {
      const run = await fc.check(
        fc.asyncProperty(input, fc.boolean(), async (value, authed) => {
          cases++;
          // Queries travel in the URL: keep them to a size a URL can carry.
          if (proc.type === "query" && JSON.stringify(value ?? null).length > 20_000) return;
          const r = await trpc(
            api,
            proc as Procedure,
            value,
            authed ? { authorization: `Bearer ${seller.accessToken}` } : {},
          );
          expectTrpcClientSafe(r, `trpc ${proc.path}`);
          if (proc.path === "auth.logout" || proc.path === "auth.changePassword") {
            const me = await call(api, "GET", "/v1/auth/me", { token: seller.accessToken });
            if (me.status === 401) seller.accessToken = (await signUp(api, "fuzz")).accessToken;
          }
        }),
        { numRuns: TRPC_RUNS },
      );
      if (run.failed) failures.push(failureLine(run));
    }
    expect(failures).toEqual([]);
  }, 300_000);
});

describe("cases the fuzzing found", () => {
  it("answers 400 to a NUL character PostgreSQL cannot store", async () => {
    for (const [method, path, body] of [
      ["PATCH", "/v1/auth/me", { lastName: "\u0000" }],
      ["POST", "/v1/listings", sampleListing({ sku: "a\u0000b" })],
    ] as const) {
      const r = await call<{ error: { code: string } }>(api, method, path, {
        token: seller.accessToken,
        body,
      });
      expect(r.status, `${method} ${path}`).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("answers 404 to ids that are not uuids, over REST and tRPC", async () => {
    const rest = await call(api, "PATCH", "/v1/listings/not-a-uuid", {
      token: seller.accessToken,
      body: { title: "x" },
    });
    expect(rest.status).toBe(404);
    for (const path of [
      "changeSets.undo",
      "imports.analyze",
      "apiKeys.revoke",
      "listings.update",
    ]) {
      const r = await trpc(
        api,
        { path, type: "mutation" },
        { id: "" },
        { authorization: `Bearer ${seller.accessToken}` },
      );
      expect(r.status, path).toBe(404);
      expect(JSON.stringify(r.body)).not.toMatch(/Failed query|params:|from "/);
    }
  });
});

describe("after the fuzzing", () => {
  it("left no polluted prototypes behind", () => {
    for (const k of ["polluted", "isAdmin", "role"]) {
      expect(({} as Record<string, unknown>)[k]).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty(k);
    }
    expect(PROTOTYPE_KEYS).toContain("__proto__");
  });

  it("still serves the fuzzing seller", async () => {
    const r = await call<{ items: unknown[] }>(api, "GET", "/v1/listings?limit=1", {
      token: seller.accessToken,
    });
    expect(r.status).toBe(200);
    expect(cases).toBeGreaterThan(4000);
  });
});
