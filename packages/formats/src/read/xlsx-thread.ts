import { Worker } from "node:worker_threads";
import { FormatError, type FormatErrorCode, type ReadLimits } from "../errors";
import type { RawRow } from "./csv";
import type { XlsxReadOptions } from "./xlsx";

/** What the reading thread is given. */
export interface XlsxThreadInput {
  path: string;
  limits: ReadLimits;
  sheet?: string | number;
  stripGuard?: boolean;
  /** Messages the thread may send ahead of the reader (bounds memory when the reader is slow). */
  credits: number;
}

/** What the reading thread sends back. */
export type XlsxThreadMessage =
  | { t: "sheet"; name: string; position: number }
  /**
   * Rows as read, the rows skipped as blank since the previous message, and how far the sheet's
   * XML has been scanned (see `XlsxReadOptions.onProgress`).
   */
  | { t: "rows"; rows: RawRow[]; blank: number[]; read: number; total: number }
  | { t: "done"; read: number; total: number }
  | { t: "error"; code?: FormatErrorCode; message: string; details?: Record<string, unknown> };

const AHEAD = 4;

/**
 * {@link readXlsxBatches} of a workbook on disk, scanned in a worker thread: inflating and
 * scanning the sheet XML run beside the caller's work on the rows instead of before it, and off
 * the caller's event loop. Rows, refusals (the same {@link FormatError} codes) and callbacks are
 * those of the in-thread reader; ending the iteration early ends the thread.
 */
export async function* readXlsxBatchesInThread(
  path: string,
  options: XlsxReadOptions,
): AsyncGenerator<RawRow[]> {
  const input: XlsxThreadInput = {
    path,
    limits: options.limits,
    ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
    ...(options.stripGuard !== undefined ? { stripGuard: options.stripGuard } : {}),
    credits: AHEAD,
  };
  // The entry registers the TypeScript loader inside the thread before loading the reader.
  const worker = new Worker(new URL("./xlsx-thread-entry.mjs", import.meta.url), {
    workerData: input,
    execArgv: [],
  });
  const inbox: (XlsxThreadMessage | Error)[] = [];
  let wake: (() => void) | undefined;
  const push = (m: XlsxThreadMessage | Error) => {
    inbox.push(m);
    wake?.();
    wake = undefined;
  };
  worker.on("message", push);
  worker.on("error", (err) => push(err));
  worker.on("exit", (code) => push(new Error(`the reading thread exited with code ${code}`)));
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = inbox.shift() as XlsxThreadMessage | Error;
      // The thread itself failing (out of memory, its loader, an exit) is not the file's fault:
      // a plain Error, as the in-thread reader would throw, so the import fails as a server
      // problem (and a job retries) instead of blaming the seller's workbook.
      if (m instanceof Error) throw new Error(`the XLSX reading thread failed: ${m.message}`);
      if (m.t === "done") {
        if (m.total > 0) options.onProgress?.(m.read, m.total);
        return;
      }
      if (m.t === "error") {
        if (!m.code) throw new Error(`reading the XLSX failed: ${m.message}`);
        throw new FormatError(m.code, m.message, m.details ?? {});
      }
      if (m.t === "sheet") {
        options.onSheet?.(m.name, m.position);
        continue;
      }
      worker.postMessage("more");
      if (options.onBlankRow) for (const r of m.blank) options.onBlankRow(r);
      if (m.total > 0) options.onProgress?.(m.read, m.total);
      if (m.rows.length > 0) yield m.rows;
    }
  } finally {
    worker.removeAllListeners("exit");
    await worker.terminate();
  }
}
