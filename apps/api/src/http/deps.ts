import type { CoreContext, CoreHooks, Logger, Mailer, Storage } from "@mbe/core";
import type { Db } from "@mbe/db";
import type { Queues } from "@mbe/jobs";
import type { MiddlewareHandler } from "hono";
import type { ApiConfig } from "../config";
import type { AppEnv } from "./env";
import type { RateLimits } from "./rate-limit";

export interface ReadinessCheck {
  name: string;
  check(): Promise<Record<string, unknown>>;
}

/** What the HTTP layer records; the Prometheus implementation lives in src/metrics.ts (Node). */
export interface HttpMetrics {
  /** One finished request; `route` is the matched pattern (`/v1/listings/:id`), never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** A request refused by a rate limit (`reason`: spent, or the limit store unavailable). */
  rateLimited(limit: string, reason: "limit" | "unavailable"): void;
  /** Rows of an export streamed straight back. */
  exportRows(format: string, mode: "stream" | "job", rows: number): void;
  /** The Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** What `createApp` needs; built by deps.ts in Node, by the test harness in tests. */
export interface AppDeps {
  config: ApiConfig;
  db: Db;
  jwtSecret: string;
  log: Logger & { child(b: Record<string, unknown>): Logger };
  rateLimits: RateLimits;
  hooks: CoreHooks;
  readiness: ReadinessCheck[];
  storage: Storage;
  queues?: Queues;
  copyInto?: CoreContext["copyInto"];
  copyOut?: CoreContext["copyOut"];
  search?: CoreContext["search"];
  /** Outgoing email; without it password resets are accepted but nothing is sent. */
  mailer?: Mailer;
  version: string;
  /** Prometheus metrics; without them /metrics answers 404 and requests are not timed. */
  metrics?: HttpMetrics;
  /** The BullMQ dashboard app (Node only), mounted at /admin/queues behind an admin session. */
  queuesDashboard?: { fetch(req: Request, env?: unknown): Response | Promise<Response> };
  /**
   * The Node server (http/node-server.ts) writes the request id and security headers itself;
   * elsewhere (tests, other runtimes) the app sets them.
   */
  serverSetsHeaders?: boolean;
  /** Serves the built console (Node only); absent in tests and API-only deployments. */
  consoleHandler?: MiddlewareHandler<AppEnv>;
}
