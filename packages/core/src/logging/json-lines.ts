import { format } from "node:util";
import type { Logger } from "../context";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
/** Log levels, lowest first; `silent` writes nothing. */
export type LogLevel = keyof typeof LEVELS;

/*
 * Lines are gathered and written once per turn of the event loop. stdout on a pipe is a
 * synchronous write per call on Linux, so a line per request cost a system call per request;
 * one write per tick keeps the order and loses nothing (the exit hook writes what is left).
 */
let pending: string[] = [];
let scheduled = false;
let hooked = false;
const MAX_PENDING = 512;

/** Writes every buffered log line now. */
export function flushLogs(): void {
  scheduled = false;
  if (pending.length === 0) return;
  const out = pending.join("");
  pending = [];
  process.stdout.write(out);
}

function enqueue(line: string) {
  pending.push(line);
  if (!hooked) {
    hooked = true;
    process.once("exit", flushLogs);
  }
  if (pending.length >= MAX_PENDING) flushLogs();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flushLogs);
  }
}

/** A logger whose children carry more bindings. */
export interface JsonLogger extends Logger {
  child(bindings: Record<string, unknown>): JsonLogger;
}

/** A JSON-lines logger on stdout; `bindings` (request id, job id) appear on every line. */
export function createJsonLogger(
  level: LogLevel,
  bindings: Record<string, unknown> = {},
): JsonLogger {
  const min = LEVELS[level];
  const write = (lvl: Exclude<LogLevel, "silent">, obj: Record<string, unknown>, msg?: string) => {
    if (LEVELS[lvl] < min) return;
    enqueue(
      `${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...bindings, ...obj })}\n`,
    );
    // Errors go out at once: the process may be about to die.
    if (lvl === "error") flushLogs();
  };
  return {
    info: (o, m) => write("info", o, m),
    warn: (o, m) => write("warn", o, m),
    error: (o, m) => write("error", o, m),
    child: (b) => createJsonLogger(level, { ...bindings, ...b }),
  };
}

type ConsoleMethod = "log" | "info" | "debug" | "warn" | "error";
const CONSOLE_LEVEL: Record<ConsoleMethod, "info" | "warn" | "error"> = {
  log: "info",
  info: "info",
  debug: "info",
  warn: "warn",
  error: "error",
};

/**
 * Sends what libraries print with `console.*` (the HTTP adapter's errors mid-response, a client
 * library's notices) into `log` as JSON lines with `source: "console"`, so a service's output
 * stays one JSON object a line; an Error among the arguments keeps its name, message and stack.
 * Returns a function that puts the console back.
 */
export function routeConsoleTo(log: Logger): () => void {
  const methods = Object.keys(CONSOLE_LEVEL) as ConsoleMethod[];
  const saved = methods.map((m) => [m, console[m]] as const);
  for (const m of methods) {
    const level = CONSOLE_LEVEL[m];
    console[m] = (...args: unknown[]) => {
      const err = args.find((a): a is Error => a instanceof Error);
      const rest = args.filter((a) => a !== err);
      const msg = rest.length ? format(...rest) : (err?.message ?? "");
      log[level](
        {
          source: "console",
          ...(err ? { err: { name: err.name, message: err.message, stack: err.stack } } : {}),
        },
        msg,
      );
    };
  }
  return () => {
    for (const [m, fn] of saved) console[m] = fn;
  };
}
