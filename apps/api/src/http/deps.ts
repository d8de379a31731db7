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
  search?: CoreContext["search"];
  /** Outgoing email; without it password resets are accepted but nothing is sent. */
  mailer?: Mailer;
  version: string;
  /** Serves the built console (Node only); absent in tests and API-only deployments. */
  consoleHandler?: MiddlewareHandler<AppEnv>;
}
