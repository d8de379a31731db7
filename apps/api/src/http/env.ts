import type { Actor, Logger } from "@mbe/core";

/** Per-request values handlers read with `c.get(...)`. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    actor: Actor | null;
    authError?: { code: string; message: string; status: number };
    /** Set by the rate-limit middleware when it refuses, so the refusal is counted once. */
    rateLimited?: { limit: string; reason: "limit" | "unavailable" };
  };
};
