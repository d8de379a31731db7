import { flushLogs } from "../src/logging/json-lines";

/** Every JSON log line written to stdout while `fn` runs (buffered lines included). */
export async function logLinesDuring(
  fn: () => Promise<unknown>,
): Promise<Record<string, unknown>[]> {
  const out: string[] = [];
  flushLogs();
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
    flushLogs();
  } finally {
    process.stdout.write = write;
  }
  return out
    .join("")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
