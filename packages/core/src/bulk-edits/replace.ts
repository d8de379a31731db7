import { Worker } from "node:worker_threads";
import { CoreError } from "../errors";

/** How long one find-and-replace may run over a whole selection. */
export const REGEX_BUDGET_MS = 3000;
/** No text field holds more than this; a value that would grow past it is refused for its row. */
export const MAX_RESULT_CHARS = 20_000;
/** Text a replacement may add across the whole selection, so that output stays bounded too. */
export const MAX_ADDED_CHARS = 50_000_000;

export interface FindSpec {
  find: string;
  replace: string;
  regex: boolean;
  caseSensitive: boolean;
}

/**
 * What runs in the worker thread. The replacement template (`$&`, `` $` ``, `$'`, `$1`, `$<name>`,
 * `$$`) is expanded here, match by match, exactly as `String.prototype.replace` would, so the
 * output's length is known as it grows and a value that would outgrow `maxChars` is stopped at
 * once (left `null`) rather than built: an empty-matching pattern with `` $` `` would otherwise
 * build strings of hundreds of millions of characters.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const TOO_LONG = Symbol("too long");
function parseTemplate(t, groupCount, hasNamed) {
  const parts = [];
  let lit = "";
  const flush = () => { if (lit) { parts.push(lit); lit = ""; } };
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    const n = t[i + 1];
    if (c !== "$" || n === undefined) { lit += c; continue; }
    if (n === "$") { lit += "$"; i++; }
    else if (n === "&") { flush(); parts.push({ k: "m" }); i++; }
    else if (n === "\`") { flush(); parts.push({ k: "b" }); i++; }
    else if (n === "'") { flush(); parts.push({ k: "a" }); i++; }
    else if (n >= "0" && n <= "9") {
      const two = t[i + 2] >= "0" && t[i + 2] <= "9" ? Number(n + t[i + 2]) : 0;
      if (two >= 1 && two <= groupCount) { flush(); parts.push({ k: "g", n: two }); i += 2; }
      else if (Number(n) >= 1 && Number(n) <= groupCount) { flush(); parts.push({ k: "g", n: Number(n) }); i++; }
      else lit += "$";
    } else if (n === "<" && hasNamed) {
      const end = t.indexOf(">", i + 2);
      if (end < 0) lit += "$";
      else { flush(); parts.push({ k: "n", name: t.slice(i + 2, end) }); i = end; }
    } else lit += "$";
  }
  flush();
  return parts;
}
parentPort.on("message", (m) => {
  try {
    parentPort.postMessage({ out: replaceEach(m) });
  } catch (err) {
    parentPort.postMessage({ error: err && err.message === "ADDED" ? "ADDED" : String(err && err.message || err) });
  }
});
function replaceEach(m) {
  const re = new RegExp(m.source, m.flags);
  const probe = new RegExp(m.source + "|", m.flags.replace("g", "")).exec("");
  const parts = m.literal ? [m.replace] : parseTemplate(m.replace, probe.length - 1, probe.groups !== undefined);
  let added = 0;
  return m.values.map((v) => {
    let length = v.length;
    try {
      const result = v.replace(re, (...args) => {
        const named = typeof args[args.length - 1] === "object" ? args.pop() : undefined;
        const input = args.pop();
        const offset = args.pop();
        const match = args[0];
        let s = "";
        for (const p of parts) {
          const piece = typeof p === "string" ? p
            : p.k === "m" ? match
            : p.k === "b" ? input.slice(0, offset)
            : p.k === "a" ? input.slice(offset + match.length)
            : p.k === "g" ? (args[p.n] ?? "")
            : (named && named[p.name]) ?? "";
          length += piece.length;
          if (length - match.length > m.maxChars) throw TOO_LONG;
          s += piece;
        }
        length -= match.length;
        return s;
      });
      added += Math.max(0, result.length - v.length);
      if (added > m.maxAdded) throw new Error("ADDED");
      return result;
    } catch (err) {
      if (err === TOO_LONG) return null;
      throw err;
    }
  });
}
`;

/**
 * The pattern as a RegExp source and flags; VALIDATION_FAILED when it does not compile. Plain
 * text and patterns both run with the `u` flag, so the two modes agree: an emoji is one character
 * (never matched by half) and ignoring case follows Unicode case folding.
 */
function compile(spec: FindSpec): { source: string; flags: string } {
  const flags = spec.caseSensitive ? "gu" : "giu";
  // Only the characters with a meaning in a pattern are escaped: with `u`, escaping others fails.
  const source = spec.regex ? spec.find : spec.find.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  try {
    new RegExp(source, flags);
  } catch (err) {
    // V8's message already reads "Invalid regular expression: /…/flags: reason".
    const message = (err as Error).message;
    throw new CoreError(
      "VALIDATION_FAILED",
      message.startsWith("Invalid regular expression")
        ? message
        : `Invalid regular expression: ${message}`,
    );
  }
  return { source, flags };
}

/** Threads kept warm for find and replace; more callers wait their turn. */
export const REPLACE_THREADS = 2;
/** A thread idle this long is closed. */
const IDLE_MS = 30_000;
/** Callers that may wait for a thread, and for how long, before being told to try again. */
export const MAX_WAITING = 16;
export const MAX_WAIT_MS = 2 * REGEX_BUDGET_MS;

const busy = () =>
  new CoreError("SERVICE_UNAVAILABLE", "Find and replace is busy; try again in a moment", {
    retryAfterSeconds: Math.ceil(MAX_WAIT_MS / 1000),
  });

type Reply = { out: (string | null)[] } | { error: string };
interface Slot {
  worker: Worker;
  dead: boolean;
  idleTimer?: NodeJS.Timeout;
}

/**
 * A small pool of warm threads: a find and replace costs no thread start-up, and however many
 * run at once, at most `REPLACE_THREADS` threads (and their copies of the values) exist. A thread
 * stuck in a pattern past the budget is terminated; the next caller gets a fresh one.
 */
class ReplacePool {
  private idle: Slot[] = [];
  private live = 0;
  private waiting: ((slot: Slot) => void)[] = [];

  stats() {
    return { live: this.live, idle: this.idle.length, waiting: this.waiting.length };
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    const slot: Slot = { worker, dead: false };
    // A crash is reported to the caller through the exit that follows it.
    worker.on("error", () => {});
    worker.on("exit", () => this.retire(slot));
    this.live++;
    return slot;
  }

  private acquire(): Promise<Slot> {
    const slot = this.idle.pop();
    if (slot) {
      clearTimeout(slot.idleTimer);
      return Promise.resolve(slot);
    }
    if (this.live < REPLACE_THREADS) return Promise.resolve(this.spawn());
    // Bounded: a few sellers' slow patterns must not hold everyone else's requests open.
    if (this.waiting.length >= MAX_WAITING) return Promise.reject(busy());
    return new Promise((resolve, reject) => {
      const take = (slot: Slot) => {
        clearTimeout(timer);
        resolve(slot);
      };
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== take);
        reject(busy());
      }, MAX_WAIT_MS);
      this.waiting.push(take);
    });
  }

  private release(slot: Slot) {
    if (slot.dead) return;
    const next = this.waiting.shift();
    if (next) return next(slot);
    // An idle thread keeps no process alive, and is closed after a while.
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => this.end(slot), IDLE_MS);
    slot.idleTimer.unref();
    this.idle.push(slot);
  }

  /** Counts a thread out (ended or exited) and lets a waiting caller start a new one. */
  private retire(slot: Slot) {
    if (slot.dead) return;
    slot.dead = true;
    clearTimeout(slot.idleTimer);
    this.idle = this.idle.filter((s) => s !== slot);
    this.live--;
    const next = this.waiting.shift();
    if (next) next(this.spawn());
  }

  private end(slot: Slot) {
    this.retire(slot);
    void slot.worker.terminate();
  }

  async run(message: object): Promise<Reply> {
    let slot = await this.acquire();
    // A thread that exited between being handed over and now is counted out already.
    while (slot.dead) slot = await this.acquire();
    const { worker } = slot;
    worker.ref();
    return new Promise<Reply>((resolve, reject) => {
      let crash: Error | undefined;
      const settle = (fn: () => void, keep: boolean) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (keep) this.release(slot);
        else this.end(slot);
        fn();
      };
      const onMessage = (reply: Reply) => settle(() => resolve(reply), true);
      const onError = (err: Error) => {
        crash = err;
      };
      const onExit = (code: number) =>
        settle(() => reject(crash ?? new Error(`the thread exited (${code})`)), false);
      // Budgeted from when a thread takes it: waiting for a free thread does not count.
      const timer = setTimeout(
        () =>
          settle(
            () =>
              reject(
                new CoreError("UNPROCESSABLE", "The pattern takes too long to run; simplify it"),
              ),
            false,
          ),
        REGEX_BUDGET_MS,
      );
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      try {
        worker.postMessage(message);
      } catch (err) {
        settle(() => reject(err), true);
      }
    });
  }
}

const pool = new ReplacePool();

/** The pool's threads: running or idle (`live`), `idle`, and callers `waiting` for one. */
export const replaceThreads = () => pool.stats();

/**
 * Replaces in many strings in a worker thread under a time budget, so a pathological pattern
 * from a seller fails with a code without holding up anyone else's requests; a value whose
 * result would pass `MAX_RESULT_CHARS` comes back `null`. While both threads are taken a call
 * waits its turn, up to `MAX_WAIT_MS` (then SERVICE_UNAVAILABLE, to be retried).
 */
export async function replaceAll(values: string[], spec: FindSpec): Promise<(string | null)[]> {
  const { source, flags } = compile(spec);
  if (values.length === 0) return [];
  let reply: Reply;
  try {
    reply = await pool.run({
      source,
      flags,
      replace: spec.replace,
      literal: !spec.regex,
      maxChars: MAX_RESULT_CHARS,
      maxAdded: MAX_ADDED_CHARS,
      values,
    });
  } catch (err) {
    if (err instanceof CoreError) throw err;
    throw new CoreError("UNPROCESSABLE", `The pattern cannot be run: ${(err as Error).message}`);
  }
  if ("out" in reply) return reply.out;
  throw new CoreError(
    "UNPROCESSABLE",
    reply.error === "ADDED"
      ? "The replacement adds too much text to the selection; narrow it down"
      : `The pattern cannot be run: ${reply.error}`,
  );
}
