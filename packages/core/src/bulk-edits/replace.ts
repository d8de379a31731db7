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
  const re = new RegExp(m.source, m.flags);
  const probe = new RegExp(m.source + "|", m.flags.replace("g", "")).exec("");
  const parts = m.literal ? [m.replace] : parseTemplate(m.replace, probe.length - 1, probe.groups !== undefined);
  let added = 0;
  const out = m.values.map((v) => {
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
  parentPort.postMessage(out);
});
`;

/** The pattern as a RegExp source and flags; VALIDATION_FAILED when it does not compile. */
function compile(spec: FindSpec): { source: string; flags: string } {
  const flags = spec.caseSensitive ? "g" : "gi";
  const source = spec.regex ? spec.find : spec.find.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const withUnicode = spec.regex ? `${flags}u` : flags;
  try {
    new RegExp(source, withUnicode);
  } catch (err) {
    throw new CoreError(
      "VALIDATION_FAILED",
      `Invalid regular expression: ${(err as Error).message}`,
    );
  }
  return { source, flags: withUnicode };
}

/**
 * Replaces in many strings in a worker thread under a time budget, so a pathological pattern
 * from a seller fails with a code without holding up anyone else's requests; a value whose
 * result would pass `MAX_RESULT_CHARS` comes back `null`.
 */
export async function replaceAll(values: string[], spec: FindSpec): Promise<(string | null)[]> {
  const { source, flags } = compile(spec);
  if (values.length === 0) return [];
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    execArgv: [],
    stdout: true,
    stderr: true,
  });
  try {
    return await new Promise<(string | null)[]>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new CoreError("UNPROCESSABLE", "The pattern takes too long to run; simplify it")),
        REGEX_BUDGET_MS,
      );
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        fn();
      };
      worker.once("message", (out: (string | null)[]) => settle(() => resolve(out)));
      worker.once("error", (err) =>
        settle(() =>
          reject(
            err.message === "ADDED"
              ? new CoreError(
                  "UNPROCESSABLE",
                  "The replacement adds too much text to the selection; narrow it down",
                )
              : new CoreError("UNPROCESSABLE", `The pattern cannot be run: ${err.message}`),
          ),
        ),
      );
      worker.once("exit", (code) =>
        settle(() =>
          reject(new CoreError("UNPROCESSABLE", `The pattern cannot be run (exit ${code})`)),
        ),
      );
      worker.postMessage({
        source,
        flags,
        replace: spec.replace,
        literal: !spec.regex,
        maxChars: MAX_RESULT_CHARS,
        maxAdded: MAX_ADDED_CHARS,
        values,
      });
    });
  } finally {
    await worker.terminate();
  }
}
