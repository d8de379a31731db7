import { Hono } from "hono";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { errorResponse } from "../http/errors";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/** Compares without an early exit, so the time taken says nothing about the token. */
function sameSecret(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++)
    diff |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The TCP peer as Node saw it; headers such as X-Forwarded-For are never trusted here. */
function socketAddress(env: unknown): string | undefined {
  return (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
    ?.socket?.remoteAddress;
}

/**
 * GET /metrics (Prometheus text). With METRICS_TOKEN set it needs `Authorization: Bearer <token>`;
 * without, only loopback callers that did not come through a proxy get an answer.
 */
export function metricsRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    const metrics = deps.metrics;
    if (!metrics) return errorResponse(c, 404, "NOT_FOUND", "Metrics are not enabled");
    const token = deps.config.METRICS_TOKEN;
    if (token) {
      const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
      if (!m?.[1] || !sameSecret(m[1], token)) {
        c.header("WWW-Authenticate", 'Bearer realm="metrics"');
        return errorResponse(c, 401, "UNAUTHORIZED", "Metrics need the METRICS_TOKEN bearer token");
      }
    } else {
      const peer = socketAddress(c.env);
      if (!peer || !LOOPBACK.has(peer) || c.req.header("x-forwarded-for"))
        return errorResponse(
          c,
          403,
          "FORBIDDEN",
          "Metrics answer loopback callers only unless METRICS_TOKEN is set",
        );
    }
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { "Content-Type": contentType, "Cache-Control": "no-store" });
  });
  return app;
}
