import type { Logger } from "@mbe/core";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** JSON lines on stdout, the same shape the API writes, with `bindings` on every line. */
export function createWorkerLogger(
  level: LogLevel,
  bindings: Record<string, unknown> = {},
): Logger {
  const min = LEVELS[level];
  const write = (lvl: "info" | "warn" | "error", obj: Record<string, unknown>, msg?: string) => {
    if (LEVELS[lvl] < min) return;
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...bindings, ...obj })}\n`,
    );
  };
  return {
    info: (o, m) => write("info", o, m),
    warn: (o, m) => write("warn", o, m),
    error: (o, m) => write("error", o, m),
  };
}

/** A logger that adds `bindings` (job id, queue) to every line of `log`. */
export function withBindings(log: Logger, bindings: Record<string, unknown>): Logger {
  return {
    info: (o, m) => log.info({ ...bindings, ...o }, m),
    warn: (o, m) => log.warn({ ...bindings, ...o }, m),
    error: (o, m) => log.error({ ...bindings, ...o }, m),
  };
}
