import { createJsonLogger, type JsonLogger, type LogLevel } from "@mbe/core";

export type { LogLevel } from "@mbe/core";

/** The API's JSON-lines logger; `bindings` (request id) appear on every line it writes. */
export function createLogger(level: LogLevel, bindings: Record<string, unknown> = {}): JsonLogger {
  return createJsonLogger(level, bindings);
}
