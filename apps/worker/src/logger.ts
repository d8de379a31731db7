import type { Logger } from "@mbe/core";

/** A logger that adds `bindings` (job id, queue) to every line of `log`. */
export function withBindings(log: Logger, bindings: Record<string, unknown>): Logger {
  return {
    info: (o, m) => log.info({ ...bindings, ...o }, m),
    warn: (o, m) => log.warn({ ...bindings, ...o }, m),
    error: (o, m) => log.error({ ...bindings, ...o }, m),
  };
}
