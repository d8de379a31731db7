import { Worker } from "node:worker_threads";
import { OcrError, type OcrErrorCode, type ScanProgress, type ScanResult } from "@mbe/ocr";

type Reply = {
  id: number;
  progress?: ScanProgress;
  result?: ScanResult;
  error?: { ocr: boolean; code: string; message: string };
};

/**
 * How long a scan may go without a word from its thread (a page done, the result) before the
 * thread is taken to be stuck and ended. Pages report as they finish and each has its own OCR
 * timeout; what has none (starting the engine, decoding a HEIC, rendering a PDF page) ends here.
 */
export const OCR_IDLE_TIMEOUT_MS = 180_000;

/** One long-lived OCR thread (its tesseract pool stays warm); scans queue through it one at a time. */
export class OcrThread {
  constructor(private readonly idleTimeoutMs = OCR_IDLE_TIMEOUT_MS) {}

  private worker: Worker | undefined;
  /** Ends the scan in the thread when it goes quiet past `idleTimeoutMs`. */
  private watchdog: NodeJS.Timeout | undefined;
  private seq = 0;
  private pending = new Map<
    number,
    { resolve(r: ScanResult): void; reject(e: Error): void; onProgress(p: ScanProgress): void }
  >();

  private start(): Worker {
    if (this.worker) return this.worker;
    // The entry registers the TypeScript loader inside the thread before loading the pipeline.
    const w = new Worker(new URL("./thread-entry.mjs", import.meta.url), { execArgv: [] });
    w.on("message", (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.progress) {
        this.watchdog?.refresh();
        return p.onProgress(m.progress);
      }
      this.pending.delete(m.id);
      if (m.result) p.resolve(m.result);
      else if (m.error?.ocr) p.reject(new OcrError(m.error.code as OcrErrorCode, m.error.message));
      else p.reject(new Error(m.error?.message ?? "OCR thread failed"));
    });
    w.on("error", (err) => {
      if (this.worker === w) this.failAll(err);
    });
    w.on("exit", (code) => {
      // A thread ended by a cancel has already been replaced; its exit concerns no one.
      if (this.worker !== w) return;
      this.worker = undefined;
      if (code !== 0) this.failAll(new Error(`OCR thread exited with code ${code}`));
    });
    this.worker = w;
    return w;
  }

  private failAll(err: Error) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Ends the thread under every scan in it with `err`; the next scan starts a fresh one. */
  private end(err: Error) {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(err);
    void w?.terminate();
  }

  /**
   * OCRs one file in the thread; OCR failures come back as OcrError with their code. Aborting
   * stops recognition at once: the thread is ended (a fresh one starts for the next scan).
   */
  scan(
    bytes: Uint8Array,
    onProgress: (p: ScanProgress) => void,
    signal?: AbortSignal,
  ): Promise<ScanResult> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error("OCR cancelled"));
      const stop = () => {
        if (this.pending.has(id)) this.end(new Error("OCR cancelled"));
      };
      signal?.addEventListener("abort", stop, { once: true });
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => {
        if (this.pending.has(id))
          this.end(
            new OcrError(
              "TIMEOUT",
              `The scan stopped making progress for ${Math.round(this.idleTimeoutMs / 1000)} s`,
            ),
          );
      }, this.idleTimeoutMs);
      const done = () => {
        signal?.removeEventListener("abort", stop);
        clearTimeout(this.watchdog);
      };
      this.pending.set(id, {
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        onProgress,
      });
      this.start().postMessage({ id, bytes });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    w.postMessage({ close: true });
    await Promise.race([
      new Promise((r) => w.once("exit", r)),
      new Promise((r) => setTimeout(r, 5000)),
    ]);
    await w.terminate();
  }
}
