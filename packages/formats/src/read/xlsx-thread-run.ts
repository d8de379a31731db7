import { parentPort, workerData } from "node:worker_threads";
import { FormatError } from "../errors";
import type { RawRow } from "./csv";
import { ByteSource } from "./source";
import { readXlsxBatches } from "./xlsx";
import type { XlsxThreadInput, XlsxThreadMessage } from "./xlsx-thread";

/** Rows per message: enough to make posting cheap, few enough to keep both sides busy. */
const ROWS_PER_MESSAGE = 1000;

const port = parentPort;
if (!port) throw new Error("xlsx-thread-run runs only in a worker thread");
const input = workerData as XlsxThreadInput;

let credits = input.credits;
let wake: (() => void) | undefined;
port.on("message", (m: "more") => {
  if (m !== "more") return;
  credits++;
  wake?.();
  wake = undefined;
});
const post = (m: XlsxThreadMessage) => port.postMessage(m);

let rows: RawRow[] = [];
let blank: number[] = [];
let read = 0;
let total = 0;

async function send(): Promise<void> {
  if (rows.length === 0 && blank.length === 0) return;
  while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  post({ t: "rows", rows, blank, read, total });
  rows = [];
  blank = [];
}

try {
  const source = await ByteSource.open({ path: input.path }, input.limits.maxFileBytes);
  const batches = readXlsxBatches(source, {
    limits: input.limits,
    ...(input.sheet !== undefined ? { sheet: input.sheet } : {}),
    ...(input.stripGuard !== undefined ? { stripGuard: input.stripGuard } : {}),
    onSheet: (name, position) => post({ t: "sheet", name, position }),
    onBlankRow: (row) => {
      blank.push(row);
    },
    onProgress: (r, t) => {
      read = r;
      total = t;
    },
  });
  for await (const batch of batches) {
    for (const r of batch) rows.push(r);
    if (rows.length >= ROWS_PER_MESSAGE) await send();
  }
  await send();
  post({ t: "done", read, total });
} catch (err) {
  post(
    err instanceof FormatError
      ? { t: "error", code: err.code, message: err.message, details: err.details }
      : { t: "error", message: (err as Error)?.message ?? String(err) },
  );
}
