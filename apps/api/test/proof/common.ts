import { expect } from "vitest";
import { appRouter } from "../../src/trpc/router";
import { call, createTestApi, type Res, type TestApi } from "../harness";
import type { JsonSchema } from "./arbitraries";

/** A harness app whose limits never get in the way of thousands of requests. */
export function createProofApi(
  opts: { search?: boolean; workers?: boolean } = {},
): Promise<TestApi> {
  return createTestApi(
    {
      RATE_LIMIT_PER_MINUTE: "10000000",
      UPLOADS_PER_MINUTE: "1000000",
      EXPORTS_PER_HOUR: "1000000",
      LOGIN_PER_MINUTE: "1000000",
    },
    opts,
  );
}

/** One REST operation as the OpenAPI document describes it. */
export interface Operation {
  method: string;
  path: string;
  operationId: string;
  secured: boolean;
  jsonBody?: JsonSchema;
  multipart: boolean;
  pathParams: string[];
}

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        security?: unknown[];
        parameters?: { name: string; in: string }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
}

/** Every operation of GET /v1/openapi.json, read from the running app. */
export async function discoverOperations(api: TestApi): Promise<Operation[]> {
  const r = await call<OpenApiDoc>(api, "GET", "/v1/openapi.json");
  expect(r.status).toBe(200);
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(r.body.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const content = op.requestBody?.content ?? {};
      out.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId ?? `${method} ${path}`,
        secured: (op.security?.length ?? 0) > 0,
        jsonBody: content["application/json"]?.schema,
        multipart: "multipart/form-data" in content,
        pathParams: (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
      });
    }
  }
  return out;
}

/** One tRPC procedure: its dotted path and whether it is a query or a mutation. */
export interface Procedure {
  path: string;
  type: "query" | "mutation" | "subscription";
}

/** Every procedure of the app router, read from the router itself. */
export function discoverProcedures(): Procedure[] {
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: string } }
  >;
  return Object.entries(procedures).map(([path, p]) => ({
    path,
    type: p._def.type as Procedure["type"],
  }));
}

/** Calls a tRPC procedure over HTTP the way httpLink does (no batching, no transformer). */
export async function trpc(
  api: TestApi,
  proc: Procedure,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<Res<{ error?: { data?: { code?: string; httpStatus?: number; appCode?: string } } }>> {
  let res: Response;
  if (input instanceof FormData) {
    res = await api.app.request(`/trpc/${proc.path}`, { method: "POST", headers, body: input });
  } else if (proc.type === "query") {
    const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    res = await api.app.request(`/trpc/${proc.path}${q}`, { method: "GET", headers });
  } else {
    res = await api.app.request(`/trpc/${proc.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: input === undefined ? undefined : JSON.stringify(input),
    });
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // non-JSON bodies stay text
  }
  return { status: res.status, body: body as never, headers: res.headers };
}

const clip = (v: unknown) => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return (s ?? "").slice(0, 400);
};

/** A REST answer that is not a server error, and a client error in the one documented shape. */
export function expectRestClientSafe(r: Res<unknown>, label: string) {
  if (r.status >= 500) throw new Error(`${label} answered ${r.status}: ${clip(r.body)}`);
  if (r.status >= 400) {
    const e = (r.body as { error?: Record<string, unknown> } | null)?.error;
    if (
      !e ||
      typeof e.code !== "string" ||
      typeof e.message !== "string" ||
      typeof e.requestId !== "string" ||
      e.requestId === ""
    )
      throw new Error(`${label} answered ${r.status} without the error shape: ${clip(r.body)}`);
  }
}

/** A tRPC answer that is not a server error, and a client error carrying the app's code. */
export function expectTrpcClientSafe(r: Res<unknown>, label: string) {
  if (r.status >= 500) throw new Error(`${label} answered ${r.status}: ${clip(r.body)}`);
  if (r.status >= 400) {
    const d = (r.body as { error?: { data?: { code?: unknown; appCode?: unknown } } } | null)?.error
      ?.data;
    if (!d || typeof d.code !== "string" || typeof d.appCode !== "string")
      throw new Error(`${label} answered ${r.status} without a tRPC error: ${clip(r.body)}`);
  }
}
