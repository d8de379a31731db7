import { appendFileSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Proof suites that report here; the grand total is printed once all of them have. */
export const PROOF_SUITES = [
  "formats-readers",
  "rest-trpc-fuzz",
  "security-matrix",
  "api-roundtrip",
] as const;

/** The Vitest run this worker belongs to: its parent process and that process's start tick. */
function runKey(): string {
  let started = "";
  try {
    started =
      readFileSync(`/proc/${process.ppid}/stat`, "utf8").split(") ")[1]?.split(" ")[19] ?? "";
  } catch {
    // Not Linux: the parent pid alone identifies the run well enough.
  }
  return `${process.ppid}-${started}`;
}

/**
 * Records one suite's figures in a file shared by the run's test workers (each test file runs in
 * its own process) and prints the suite's line plus the run's total so far.
 */
export function reportProof(suite: (typeof PROOF_SUITES)[number], cases: number, ms: number) {
  const file = path.join(os.tmpdir(), `mbe-proof-${runKey()}.jsonl`);
  appendFileSync(file, `${JSON.stringify({ suite, cases, ms })}\n`);
  const seen = new Map<string, { cases: number; ms: number }>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const r = JSON.parse(line) as { suite: string; cases: number; ms: number };
    seen.set(r.suite, { cases: r.cases, ms: r.ms });
  }
  let total = 0;
  let totalMs = 0;
  for (const v of seen.values()) {
    total += v.cases;
    totalMs += v.ms;
  }
  const all = PROOF_SUITES.every((s) => seen.has(s));
  console.log(
    `[proof] ${suite}: ${cases} generated cases in ${(ms / 1000).toFixed(1)} s; ` +
      `${all ? "TOTAL" : `so far (${seen.size}/${PROOF_SUITES.length} suites)`}: ` +
      `${total} cases, ${(totalMs / 1000).toFixed(1)} s of test time`,
  );
}
