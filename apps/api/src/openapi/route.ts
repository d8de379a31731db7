import { isDeepStrictEqual } from "node:util";
import { OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import { ErrorBody } from "./schemas";

export const json = <T extends z.ZodType>(schema: T, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});

export const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const err = (description: string) => json(ErrorBody, description);

/**
 * A file's bytes as OpenAPI 3.1 describes them: a string whose content is of `mediaType` (3.0's
 * `format: binary`, which 3.1 no longer has). Also a file field of a multipart body.
 */
export function fileBytes(mediaType = "application/octet-stream", description?: string) {
  // A 3.1 keyword the generator passes through, though its metadata type (shared with 3.0) lacks it.
  const meta = { contentMediaType: mediaType, ...(description ? { description } : {}) };
  return z.string().openapi(meta);
}

/** The error responses every authenticated operation can give. */
export const authedErrors = {
  400: err("Invalid input (code VALIDATION_FAILED or MALFORMED_BODY)"),
  401: err("Missing, expired or invalid credentials, or a malformed Authorization header"),
  403: err("Not allowed (e.g. API key lacks the scope)"),
  404: err("Not found (also for another seller's ids)"),
  413: err("Body too large"),
  429: err("Rate limited; see Retry-After"),
} satisfies RouteConfig["responses"];

const unsupportedMediaType = err(
  "The body's Content-Type is not one the operation takes (UNSUPPORTED_MEDIA_TYPE)",
);

/**
 * The error responses of the public auth operations (no credentials needed). They sit behind the
 * sign-in limiter, which refuses rather than lets everyone through when its store (Redis) is
 * down, hence the 503. A credential sent anyway is still checked, hence 401 and 403.
 */
export const publicAuthErrors = {
  400: authedErrors[400],
  401: err("A malformed Authorization header, or an invalid or expired credential sent anyway"),
  403: err("The account is disabled (ACCOUNT_DISABLED)"),
  413: authedErrors[413],
  415: unsupportedMediaType,
  429: err("Too many attempts from this address (RATE_LIMITED); see Retry-After"),
  503: err("Sign-in is briefly unavailable (SERVICE_UNAVAILABLE); see Retry-After"),
} satisfies RouteConfig["responses"];

export const conflict = { 409: err("Conflict (VERSION_CONFLICT when the row changed since)") };
export const security: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyAuth: [] }];
/** Operations on the session and its keys: an API key is refused with 403, whatever its scopes. */
export const sessionOnly: Record<string, string[]>[] = [{ bearerAuth: [] }];
/** Downloads that also work with nothing but their signed URL's `exp` and `sig`. */
export const securityOrSignedUrl: Record<string, string[]>[] = [...security, {}];

/** The query of a signed URL; both halves come from the URL the API handed out. */
export const SignedUrlQuery = z.object({
  exp: z
    .string()
    .max(20)
    .optional()
    .openapi({ description: "Expiry of the signed URL (Unix seconds); send together with sig" }),
  sig: z.string().max(100).optional().openapi({
    description:
      "Signature of the signed URL; send together with exp. Without sig the request needs credentials",
  }),
});

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Headers other operations can point at (`headers: { "Retry-After": headers.retryAfter }`). */
export const headers = {
  retryAfter: headerRef("Retry-After"),
  rateLimit: headerRef("RateLimit"),
  rateLimitPolicy: headerRef("RateLimit-Policy"),
  requestId: headerRef("X-Request-Id"),
};

const HEADER_COMPONENTS = {
  "Retry-After": {
    description: "Seconds to wait before trying again, sent when the condition is temporary.",
    schema: { type: "integer", minimum: 0 },
  },
  RateLimit: {
    description:
      'The limit that applied: `"<name>";r=<requests remaining>;t=<seconds until the window resets>`.',
    schema: { type: "string" },
  },
  "RateLimit-Policy": {
    description: 'The limit\'s policy: `"<name>";q=<requests allowed>;w=<window in seconds>`.',
    schema: { type: "string" },
  },
  "X-Request-Id": {
    description:
      "The request's id: the caller's own X-Request-Id when sane, else a new one. Support finds the request by it.",
    schema: { type: "string" },
  },
} as const;

type OpenAPIRegistry = OpenAPIHono["openAPIRegistry"];
type Responses = RouteConfig["responses"];
type Response = Responses[string];

/**
 * Adds to every /v1 operation what the middlewares in front of all of them do, so no route has to
 * remember it: the request id on every answer, the API-wide rate limit's headers on success and
 * its 429, 401 for a malformed or bad credential (checked even on public routes), 415 for a body
 * of another media type (the OpenAPI validator refuses it before the handler), and Retry-After on
 * answers that invite a retry. Call once every route is mounted.
 */
export function addDocumentWideResponses(registry: OpenAPIRegistry) {
  for (const [name, component] of Object.entries(HEADER_COMPONENTS))
    registry.registerComponent("headers", name, component);
  for (const def of registry.definitions) {
    if (def.type !== "route" || !def.route.path.startsWith("/v1/")) continue;
    const declared: Responses = { ...def.route.responses };
    declared[401] ??= authedErrors[401];
    declared[429] ??= authedErrors[429];
    if (def.route.request?.body) declared[415] ??= unsupportedMediaType;
    if (def.route.method !== "get") declared[409] = withWriteClash(declared[409]);
    const responses: Responses = {};
    for (const [status, response] of Object.entries(declared))
      responses[status] = withHeaders(status, response);
    def.route = { ...def.route, responses, request: withQueryAsSent(def.route) };
  }
}

const WRITE_CLASH =
  "CONFLICT when other writes to the same rows were being saved at the same time (the database gave up on a deadlock or a serialization failure); nothing was changed, try again";

/**
 * Any write can meet others locking the same rows in another order: PostgreSQL then aborts one
 * transaction (40P01, 40001) and the API answers 409 CONFLICT (`clientErrorFromDb`).
 */
function withWriteClash(existing: Response | undefined): Response {
  if (!existing) return err(`Conflict: ${WRITE_CLASH}`);
  if ("$ref" in existing) return existing;
  return { ...existing, description: `${existing.description}; or ${WRITE_CLASH}` };
}

const EMPTY_IS_ABSENT = "An empty value is the same as leaving the parameter out.";

/** A query parameter's schema as a query string can carry it: text is never `null`. */
function withoutNull(schema: Record<string, unknown>): Record<string, unknown> {
  const { type } = schema;
  if (!Array.isArray(type) || !type.includes("null")) return schema;
  const rest = type.filter((t) => t !== "null");
  return { ...schema, type: rest.length === 1 ? rest[0] : rest };
}

/**
 * The query as the API reads it. The generator declares coerced and preprocessed fields (numbers,
 * flags, price bounds) nullable, which no query string can be, and does not say which fields take
 * an empty value (`priceMax=` from a form is no bound, not an error): each field's own parser is
 * asked. Only the document's copy changes; requests are still validated by the route's schema.
 */
function withQueryAsSent(route: RouteConfig): RouteConfig["request"] {
  const query = route.request?.query;
  if (!query || !("shape" in query)) return route.request;
  type Param = { schema?: Record<string, unknown>; description?: string; required?: boolean };
  const generated = new Map<string, Param>();
  const probe = new OpenAPIHono();
  probe.openAPIRegistry.registerPath({
    method: "get",
    path: "/",
    request: { query },
    responses: { 200: { description: "OK" } },
  });
  const doc = probe.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "", version: "" } });
  for (const p of (doc.paths?.["/"]?.get?.parameters ?? []) as (Param & { name: string })[])
    generated.set(p.name, p);
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(query.shape as Record<string, z.ZodType>)) {
    const { schema, description, required = false } = generated.get(name) ?? {};
    if (!schema || "$ref" in schema) {
      shape[name] = field;
      continue;
    }
    const param: Record<string, unknown> = { schema: withoutNull(schema), required };
    if (description) param.description = description;
    const empty = field.safeParse("");
    if (empty.success) {
      param.allowEmptyValue = true;
      const absent = field.safeParse(undefined);
      if (absent.success && isDeepStrictEqual(empty.data, absent.data)) {
        param.description = description ? `${description} ${EMPTY_IS_ABSENT}` : EMPTY_IS_ABSENT;
      }
    }
    // A stand-in carrying the declaration: the field itself may come from a zod without `openapi`.
    shape[name] = (required ? z.string() : z.string().optional()).openapi({ param });
  }
  return { ...route.request, query: z.object(shape) };
}

function withHeaders(status: string, response: Response): Response {
  if ("$ref" in response) return response;
  const added: Record<string, { $ref: string }> = { "X-Request-Id": headers.requestId };
  if (status.startsWith("2") || status === "429") {
    added.RateLimit = headers.rateLimit;
    added["RateLimit-Policy"] = headers.rateLimitPolicy;
  }
  if (status === "429" || status === "503" || status === "423")
    added["Retry-After"] = headers.retryAfter;
  // Shared response objects (authedErrors) are copied, never changed in place.
  return { ...response, headers: { ...added, ...(response.headers as object | undefined) } };
}
