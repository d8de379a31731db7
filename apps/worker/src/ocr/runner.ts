import { Worker } from "node:worker_threads";
import { OcrError, type OcrErrorCode, type ScanProgress, type ScanResult } from "@mbe/ocr";

type Reply = {
  id: number;
  progress?: ScanProgress;
  result?: ScanResult;
  error?: { ocr: boolean; code: string; message: string };
};

/** One long-lived OCR thread (its tesseract pool stays warm); scans queue through it one at a time. */
export class OcrThread {
  private worker: Worker | undefined;
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
      if (m.progress) return p.onProgress(m.progress);
      this.pending.delete(m.id);
      if (m.result) p.resolve(m.result);
      else if (m.error?.ocr) p.reject(new OcrError(m.error.code as OcrErrorCode, m.error.message));
      else p.reject(new Error(m.error?.message ?? "OCR thread failed"));
    });
    w.on("error", (err) => this.failAll(err));
    w.on("exit", (code) => {
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

  /** OCRs one file in the thread; OCR failures come back as OcrError with their code. */
  scan(bytes: Uint8Array, onProgress: (p: ScanProgress) => void): Promise<ScanResult> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
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
