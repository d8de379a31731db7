import {
  authenticateAccessToken,
  authenticateApiKey,
  type CoreContext,
  CoreError,
  hooksLoggingTo,
  type Logger,
} from "@mbe/core";
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppDeps } from "./deps";
import type { AppEnv } from "./env";
import { errorResponse } from "./errors";
import type { Limiter } from "./rate-limit";

export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Security headers (the helmet set), computed once; set before the response exists, which is cheap. */
export const SECURITY_HEADERS: [string, string][] = [
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

/**
 * Request id (kept from the caller when sane), security headers, a child logger and one
 * access-log line. One middleware instead of several keeps /health close to bare node:http.
 */
export function requestContext(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const serverSetsHeaders = deps.serverSetsHeaders === true;
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("actor", null);
    if (!serverSetsHeaders) {
      c.header("X-Request-Id", requestId);
      for (const [k, v] of SECURITY_HEADERS) c.header(k, v);
    }
    const path = c.req.path;
    if (path === "/health" || path === "/metrics") {
      c.set("log", deps.log);
      return next();
    }
    const log = new RequestLog(deps.log, requestId);
    c.set("log", log);
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    const status = c.res.status;
    log.info({ method: c.req.method, path, status, ms: Math.round(ms * 10) / 10 }, "request");
    const metrics = deps.metrics;
    if (metrics) {
      metrics.observeRequest(c.req.method, routeLabel(c, status), status, ms / 1000);
      const limited = c.get("rateLimited");
      if (limited) metrics.rateLimited(limited.limit, limited.reason);
    }
  };
}

/**
 * The request's logger: every line carries the request id, as a child logger's would (same
 * fields, same order), without building a child's closures on every request.
 */
class RequestLog implements Logger {
  constructor(
    private readonly base: Logger,
    private readonly requestId: string,
  ) {}
  info(obj: Record<string, unknown>, msg?: string) {
    this.base.info({ requestId: this.requestId, ...obj }, msg);
  }
  warn(obj: Record<string, unknown>, msg?: string) {
    this.base.warn({ requestId: this.requestId, ...obj }, msg);
  }
  error(obj: Record<string, unknown>, msg?: string) {
    this.base.error({ requestId: this.requestId, ...obj }, msg);
  }
}

/**
 * The pattern of the handler that answered (`/v1/listings/:id`), so ids never become label
 * values; a 404 answered by a catch-all is one `unmatched` series rather than one per path.
 */
function routeLabel(c: Context<AppEnv>, status: number): string {
  const pattern = routePath(c);
  if (!pattern || (status === 404 && pattern.endsWith("*"))) return "unmatched";
  return pattern;
}

export function clientIp(c: Context<AppEnv>): string {
  // Only the first hop is trusted when a proxy adds it; otherwise the socket address from Node.
  const fwd = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return fwd || env?.incoming?.socket?.remoteAddress || "unknown";
}

/** Builds the CoreContext verbs receive from the request. */
export function coreContext(c: Context<AppEnv>, deps: AppDeps): CoreContext {
  return {
    db: deps.db,
    rootDb: deps.db,
    actor: c.get("actor"),
    requestId: c.get("requestId"),
    ip: clientIp(c),
    userAgent: c.req.header("user-agent"),
    log: c.get("log"),
    auth: { ...authConfig(deps) },
    hooks: hooksLoggingTo(deps.hooks, c.get("log")),
    storage: deps.storage,
    queues: deps.queues,
    copyInto: deps.copyInto,
    copyOut: deps.copyOut,
    search: deps.search,
    mailer: deps.mailer,
  };
}

import { defaultAuthConfig } from "@mbe/core";

const authCache = new WeakMap<AppDeps, ReturnType<typeof defaultAuthConfig>>();
export function authConfig(deps: AppDeps) {
  let cfg = authCache.get(deps);
  if (!cfg) {
    cfg = defaultAuthConfig(deps.jwtSecret);
    authCache.set(deps, cfg);
  }
  return cfg;
}

/**
 * Resolves `Authorization: Bearer <jwt | mbe_ key>` or `X-API-Key` to an actor. A credential that
 * is present but bad is refused here; a missing one leaves the actor null for verbs to refuse.
 */
export function authenticate(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const apiKey = c.req.header("x-api-key");
    let token: string | undefined;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m?.[1])
        return errorResponse(c, 401, "UNAUTHORIZED", "Authorization must be 'Bearer <token>'");
      token = m[1];
    } else if (apiKey) token = apiKey;
    if (token) {
      try {
        // Resolving a credential needs only the database and the token settings, not the
        // whole per-request context the verbs get.
        const ctx = { rootDb: deps.db, auth: authConfig(deps) };
        const actor = token.startsWith("mbe_")
          ? await authenticateApiKey(ctx, token)
          : await authenticateAccessToken(ctx, token);
        c.set("actor", actor);
      } catch (err) {
        if (err instanceof CoreError) return errorResponse(c, err.status, err.code, err.message);
        throw err;
      }
    }
    await next();
  };
}

function setHeaders(
  c: Context<AppEnv>,
  name: string,
  d: { limit: number; remaining: number; resetSeconds: number; windowSeconds: number },
) {
  c.header("RateLimit-Policy", `"${name}";q=${d.limit};w=${d.windowSeconds}`);
  c.header("RateLimit", `"${name}";r=${Math.max(0, d.remaining)};t=${d.resetSeconds}`);
}

/** Applies one limit keyed by the user (or the IP when anonymous); 429 with Retry-After when spent. */
export function rateLimit(
  limiter: Limiter,
  name: string,
  opts: { failClosed?: boolean; key?: (c: Context<AppEnv>) => string } = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = c.get("actor");
    const key = opts.key?.(c) ?? (actor ? `u:${actor.userId}` : `ip:${clientIp(c)}`);
    const d = await limiter.consume(key);
    if (d.unavailable && opts.failClosed) {
      c.set("rateLimited", { limit: name, reason: "unavailable" });
      c.header("Retry-After", String(d.resetSeconds));
      return errorResponse(
        c,
        503,
        "SERVICE_UNAVAILABLE",
        "Sign-in is briefly unavailable; try again shortly",
      );
    }
    setHeaders(c, name, d);
    if (!d.allowed && !d.unavailable) {
      c.set("rateLimited", { limit: name, reason: "limit" });
      c.header("Retry-After", String(d.resetSeconds));
      return errorResponse(
        c,
        429,
        "RATE_LIMITED",
        `Too many requests; retry in ${d.resetSeconds} s`,
      );
    }
    await next();
    // A handler that returns its own Response (tRPC, streamed downloads) does not carry headers
    // set on the context before it: set them on what it returned.
    if (!c.res.headers.has("RateLimit")) setHeaders(c, name, d);
  };
}
