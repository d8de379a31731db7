import { createJsonLogger, type Logger, type LogLevel } from "@mbe/core";

export type { LogLevel } from "@mbe/core";

/** JSON lines on stdout, the same shape the API writes, with `bindings` on every line. */
export function createWorkerLogger(
  level: LogLevel,
  bindings: Record<string, unknown> = {},
): Logger {
  return createJsonLogger(level, bindings);
}

/** A logger that adds `bindings` (job id, queue) to every line of `log`. */
export function withBindings(log: Logger, bindings: Record<string, unknown>): Logger {
  return {
    info: (o, m) => log.info({ ...bindings, ...o }, m),
    warn: (o, m) => log.warn({ ...bindings, ...o }, m),
    error: (o, m) => log.error({ ...bindings, ...o }, m),
  };
}
