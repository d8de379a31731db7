import type { IncomingMessage } from "node:http";
import type { Actor, Logger } from "@mbe/core";

/**
 * Per-request values. The request context (`withRequestContext`) puts the request id and the
 * logger on `c.env` before the app routes the request; middlewares set the rest with `c.set`.
 */
export type AppEnv = {
  Bindings: RequestEnv;
  Variables: {
    actor: Actor | null;
    authError?: { code: string; message: string; status: number };
  };
};

export interface RequestEnv {
  requestId: string;
  log: Logger;
  /** Set by the rate-limit middleware when it refuses, so the refusal is counted once. */
  rateLimited?: { limit: string; reason: "limit" | "unavailable" };
  /** The Node request, when served by node:http. */
  incoming?: IncomingMessage;
  /** TRUST_PROXY: how many X-Forwarded-For hops to trust (see {@link clientIp}). */
  trustProxy?: number;
}
