import type { Actor, Logger } from "@mbe/core";

/** Per-request values handlers read with `c.get(...)`. */
export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    actor: Actor | null;
    authError?: { code: string; message: string; status: number };
  };
};
