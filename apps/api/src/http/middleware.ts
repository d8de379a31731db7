import {
  authenticateAccessToken,
  authenticateApiKey,
  type CoreContext,
  CoreError,
  hooksLoggingTo,
  type Logger,
} from "@mbe/core";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { AppDeps } from "./deps";
import type { AppEnv, RequestEnv } from "./env";
import { errorResponse } from "./errors";
import type { Limiter } from "./rate-limit";
import { securityHeadersFor } from "./security-headers";

export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

type Fetch = (req: Request, env?: object) => Response | Promise<Response>;

/** Paths answered without an access-log line or a latency observation (probes and scrapes). */
const UNLOGGED = new Set(["/health", "/metrics"]);

/**
 * Wraps the app's `fetch` with what every request gets: a request id (kept from the caller when
 * sane), a logger, CORS for cross-origin callers, one access-log line and the latency metric, and
 * (when the Node server does not write them) the security headers. Done around Hono rather than
 * as its middlewares, so a route with one synchronous handler is answered synchronously: with any
 * middleware in the chain Hono answers with a Promise and the Node adapter takes its slower
 * asynchronous path on every request.
 */
export function withRequestContext(
  app: { fetch: Fetch; router: { match(method: string, path: string): unknown } },
  deps: AppDeps,
  corsHandler: MiddlewareHandler<AppEnv>,
): Fetch {
  const route = app.fetch;
  const cross = new Hono<AppEnv>();
  cross.use("*", corsHandler);
  cross.all("*", (c) => route(c.req.raw, c.env));
  const serverSetsHeaders = deps.serverSetsHeaders === true;
  const metrics = deps.metrics;
  const trustProxy = deps.config.TRUST_PROXY;
  return (req, rawEnv) => {
    const env = (rawEnv ?? {}) as RequestEnv;
    // From Node's parsed headers when served by node:http (building web Headers costs more).
    const node = env.incoming?.headers ? env.incoming : undefined;
    const given = node ? node.headers["x-request-id"] : req.headers.get("x-request-id");
    const requestId =
      typeof given === "string" && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    env.requestId = requestId;
    env.trustProxy = trustProxy;
    const origin = node ? node.headers.origin : req.headers.get("origin");
    const path = pathOf(node?.url ?? req.url);
    const logged = !UNLOGGED.has(path);
    const log = logged ? new RequestLog(deps.log, requestId) : deps.log;
    env.log = log;
    const started = logged ? performance.now() : -1;
    const res = origin ? cross.fetch(req, env) : route(req, env);
    // Unlogged paths on the Node server (which writes the headers itself) need nothing more.
    if (!logged && serverSetsHeaders) return res;
    return res instanceof Promise
      ? res.then((r) => finish(r, req.method, path, started, env))
      : finish(res, req.method, path, started, env);
  };

  /** The access-log line, the metrics and (off the Node server) the headers of an answer. */
  function finish(r: Response, method: string, path: string, started: number, env: RequestEnv) {
    if (started >= 0) {
      const ms = performance.now() - started;
      env.log?.info({ method, path, status: r.status, ms: Math.round(ms * 10) / 10 }, "request");
      if (metrics) {
        const label = routeLabel(app.router, method, path, r.status);
        metrics.observeRequest(method, label, r.status, ms / 1000);
        if (env.rateLimited) metrics.rateLimited(env.rateLimited.limit, env.rateLimited.reason);
      }
    }
    return serverSetsHeaders ? r : withHeaders(r, env.requestId ?? "");
  }
}

/** The path of a request target or URL, without the query. */
function pathOf(url: string): string {
  let from = 0;
  if (url.charCodeAt(0) !== 47 /* "/" */) {
    const scheme = url.indexOf("://");
    from = url.indexOf("/", scheme < 0 ? 0 : scheme + 3);
    if (from < 0) return "/";
  }
  const q = url.indexOf("?", from);
  return q < 0 ? url.slice(from) : url.slice(from, q);
}

/**
 * Adds the request id and the security headers for the kind of response (see
 * `security-headers.ts`) where the Node server does not write them.
 */
function withHeaders(res: Response, requestId: string): Response {
  let out = res;
  try {
    out.headers.set("X-Request-Id", requestId);
  } catch {
    // A response with immutable headers (one fetched from elsewhere): set them on a copy.
    out = new Response(res.body, res);
    out.headers.set("X-Request-Id", requestId);
  }
  const set = securityHeadersFor(
    out.status,
    out.headers.get("content-type"),
    out.headers.has("content-security-policy"),
  );
  for (let i = 0; i + 1 < set.length; i += 2)
    out.headers.set(set[i] as string, set[i + 1] as string);
  return out;
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
 * The pattern of the route that answered (`/v1/listings/:id`), so ids never become label values; a
 * 404 answered by a catch-all (or by nothing) is one `unmatched` series rather than one per path.
 */
function routeLabel(
  router: { match(method: string, path: string): unknown },
  method: string,
  path: string,
  status: number,
): string {
  const [handlers] = router.match(method === "HEAD" ? "GET" : method, path) as [
    [[unknown, { path: string }], unknown][],
  ];
  const pattern = handlers.at(-1)?.[0][1].path;
  if (status === 404 && (!pattern || pattern.endsWith("*"))) return "unmatched";
  // Nothing routed and found: a page or asset of the console.
  return pattern ?? "/*";
}

/**
 * The client's address. Each proxy appends the address it received the request from to
 * X-Forwarded-For, so only the last `TRUST_PROXY` entries were written by proxies we run; what is
 * left of them came from the client and proves nothing. With no trusted proxy the header is
 * ignored and the socket's peer is the client.
 */
export function clientIp(c: Context<AppEnv>): string {
  const peer = c.env?.incoming?.socket?.remoteAddress || "unknown";
  const hops = c.env?.trustProxy ?? 0;
  if (hops === 0) return peer;
  const chain = (c.req.header("x-forwarded-for") ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  // Nearest first: the peer (the last proxy), then what each trusted proxy saw.
  return chain[Math.max(0, chain.length - hops)] ?? peer;
}

/** Builds the CoreContext verbs receive from the request. */
export function coreContext(c: Context<AppEnv>, deps: AppDeps): CoreContext {
  return {
    db: deps.db,
    rootDb: deps.db,
    actor: c.get("actor") ?? null,
    requestId: c.env.requestId,
    ip: clientIp(c),
    userAgent: c.req.header("user-agent"),
    log: c.env.log,
    auth: { ...authConfig(deps) },
    hooks: hooksLoggingTo(deps.hooks, c.env.log),
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
 * API answers carry tokens, keys and sellers' data: `Cache-Control: no-store` on every one, errors
 * included, so no browser or proxy cache keeps them, unless the route chose its own caching.
 */
export const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
};

/**
 * Resolves `Authorization: Bearer <jwt | mbe_ key>` or `X-API-Key` to an actor. A credential that
 * is present but bad is refused here; a missing one leaves the actor null for verbs to refuse.
 */
export function authenticate(deps: AppDeps): MiddlewareHandler<AppEnv> {
  /**
   * A refused credential counts against its address's request limit before the 401, as an
   * anonymous request does: otherwise guessing keys or tokens would be the one unlimited thing
   * (each bogus key also costs a database lookup).
   */
  const refuse = async (c: Context<AppEnv>, status: number, code: string, message: string) => {
    const d = await deps.rateLimits.api.consume(`ip:${clientIp(c)}`, 1);
    if (!d.allowed && !d.unavailable) return tooMany(c, "api", d.resetSeconds);
    return errorResponse(c, status, code, message);
  };
  return async (c, next) => {
    const header = c.req.header("authorization");
    const apiKey = c.req.header("x-api-key");
    let token: string | undefined;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m?.[1]) return refuse(c, 401, "UNAUTHORIZED", "Authorization must be 'Bearer <token>'");
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
        if (err instanceof CoreError) return refuse(c, err.status, err.code, err.message);
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

/** The 429 of a spent limit, with Retry-After, recorded for the request's metrics. */
function tooMany(c: Context<AppEnv>, limit: string, resetSeconds: number) {
  c.env.rateLimited = { limit, reason: "limit" };
  c.header("Retry-After", String(resetSeconds));
  return errorResponse(c, 429, "RATE_LIMITED", `Too many requests; retry in ${resetSeconds} s`);
}

/** Applies one limit keyed by the user (or the IP when anonymous); 429 with Retry-After when spent. */
export function rateLimit(
  limiter: Limiter,
  name: string,
  opts: {
    failClosed?: boolean;
    key?: (c: Context<AppEnv>) => string;
    /** How many requests this one counts as (a tRPC batch counts each call). */
    cost?: (c: Context<AppEnv>) => number;
  } = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = c.get("actor");
    const key = opts.key?.(c) ?? (actor ? `u:${actor.userId}` : `ip:${clientIp(c)}`);
    const d = await limiter.consume(key, opts.cost?.(c) ?? 1);
    if (d.unavailable && opts.failClosed) {
      c.env.rateLimited = { limit: name, reason: "unavailable" };
      c.header("Retry-After", String(d.resetSeconds));
      return errorResponse(
        c,
        503,
        "SERVICE_UNAVAILABLE",
        "Sign-in is briefly unavailable; try again shortly",
      );
    }
    setHeaders(c, name, d);
    if (!d.allowed && !d.unavailable) return tooMany(c, name, d.resetSeconds);
    await next();
    // A handler that returns its own Response (tRPC, streamed downloads) does not carry headers
    // set on the context before it: set them on what it returned.
    if (!c.res.headers.has("RateLimit")) setHeaders(c, name, d);
  };
}
