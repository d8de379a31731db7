import type { Logger } from "@mbe/core";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** A JSON-lines logger; `bindings` (request id, job id) appear on every line it writes. */
export function createLogger(
  level: LogLevel,
  bindings: Record<string, unknown> = {},
): Logger & { child(b: Record<string, unknown>): Logger } {
  const min = LEVELS[level];
  const write = (lvl: Exclude<LogLevel, "silent">, obj: Record<string, unknown>, msg?: string) => {
    if (LEVELS[lvl] < min) return;
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...bindings, ...obj })}\n`,
    );
  };
  return {
    info: (o, m) => write("info", o, m),
    warn: (o, m) => write("warn", o, m),
    error: (o, m) => write("error", o, m),
    child: (b) => createLogger(level, { ...bindings, ...b }),
  };
}
