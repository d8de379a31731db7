import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import Tesseract from "tesseract.js";
import { OcrError } from "./errors";
import type { Box, Word } from "./types";

/** Options for {@link createOcrEngine}. */
export interface OcrEngineOptions {
  /** Number of tesseract.js workers kept warm (default 2; one per core is the sweet spot). */
  workers?: number;
  /** Folder holding `eng.traineddata.gz`; defaults to the copy shipped by @tesseract.js-data/eng. */
  langPath?: string;
}

/** What the engine returns for one image. */
export interface RecognizedImage {
  text: string;
  /** Mean word confidence, 0..1. */
  confidence: number;
  words: Word[];
}

/** A warm pool of tesseract.js workers; share one per process and close it on shutdown. */
export interface OcrEngine {
  /** Recognises one image (PNG/JPEG/PGM bytes); boxes are in that image's pixels. */
  recognize(image: Uint8Array, options?: { timeoutMs?: number }): Promise<RecognizedImage>;
  /** Terminates every worker; pending and later calls reject with ENGINE_CLOSED. */
  close(): Promise<void>;
  /** Number of workers in the pool. */
  readonly size: number;
  readonly closed: boolean;
}

const require = createRequire(import.meta.url);

/** Folder of the LSTM-only integer model shipped inside @tesseract.js-data/eng (no download). */
export function defaultLangPath(): string {
  return join(dirname(require.resolve("@tesseract.js-data/eng/package.json")), "4.0.0_best_int");
}

interface Slot {
  worker: Tesseract.Worker | null;
  busy: boolean;
}

interface Task {
  image: Uint8Array;
  timeoutMs: number;
  resolve: (value: RecognizedImage) => void;
  reject: (error: unknown) => void;
}

function toBox(b: Tesseract.Bbox): Box {
  return { x: b.x0, y: b.y0, width: Math.max(0, b.x1 - b.x0), height: Math.max(0, b.y1 - b.y0) };
}

function collectWords(page: Tesseract.Page): Word[] {
  const words: Word[] = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const word of line.words) {
          const text = word.text.trim();
          if (!text) continue;
          words.push({ text, confidence: word.confidence / 100, box: toBox(word.bbox) });
        }
      }
    }
  }
  return words;
}

/**
 * Starts a pool of tesseract.js workers that load the bundled English model from disk
 * (never the network) and stay warm between files. Call `close()` when done.
 */
export async function createOcrEngine(options: OcrEngineOptions = {}): Promise<OcrEngine> {
  const size = Math.max(1, Math.min(8, Math.floor(options.workers ?? 2)));
  const langPath = options.langPath ?? defaultLangPath();
  let closed = false;
  const queue: Task[] = [];

  const spawn = (): Promise<Tesseract.Worker> =>
    Tesseract.createWorker("eng", Tesseract.OEM.LSTM_ONLY, {
      langPath,
      gzip: true,
      cacheMethod: "none",
      // Without a handler tesseract.js rethrows worker failures as uncaught exceptions,
      // which would take the whole process down for one bad image; the job's own promise
      // still rejects, and that is where we handle it.
      errorHandler: () => {},
    });

  const spawnReady = async (): Promise<Tesseract.Worker> => {
    const worker = await spawn();
    // Our images carry no trustworthy DPI; a fixed value silences tesseract's guess warnings
    // and keeps its size heuristics stable.
    await worker.setParameters({ user_defined_dpi: "300" });
    return worker;
  };

  const slots: Slot[] = await Promise.all(
    Array.from({ length: size }, async () => ({ worker: await spawnReady(), busy: false })),
  );

  const pump = (): void => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.busy) continue;
      const task = queue.shift();
      if (task) void run(slot, task);
    }
  };

  const run = async (slot: Slot, task: Task): Promise<void> => {
    slot.busy = true;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      if (!slot.worker) slot.worker = await spawnReady();
      const worker = slot.worker;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new OcrError("TIMEOUT", `OCR of one page took longer than ${task.timeoutMs} ms.`));
        }, task.timeoutMs);
      });
      const result = await Promise.race([
        worker.recognize(Buffer.from(task.image), {}, { text: true, blocks: true }),
        timeout,
      ]);
      const words = collectWords(result.data);
      const confidence =
        words.length === 0 ? 0 : words.reduce((sum, w) => sum + w.confidence, 0) / words.length;
      task.resolve({ text: result.data.text, confidence, words });
    } catch (error) {
      if (timedOut || !(error instanceof OcrError)) {
        // A timed-out or crashed worker may still be busy or broken: replace it so the pool
        // stays usable for the next file.
        const stale = slot.worker;
        slot.worker = null;
        if (stale) void stale.terminate().catch(() => {});
      }
      task.reject(
        error instanceof OcrError
          ? error
          : new OcrError("OCR_FAILED", `Text recognition failed: ${String(error)}`, {
              cause: error,
            }),
      );
    } finally {
      clearTimeout(timer);
      slot.busy = false;
      if (!closed) pump();
    }
  };

  return {
    size,
    get closed() {
      return closed;
    },
    recognize(image, recognizeOptions = {}) {
      if (closed) return Promise.reject(new OcrError("ENGINE_CLOSED", "The OCR engine is closed."));
      return new Promise<RecognizedImage>((resolve, reject) => {
        queue.push({ image, timeoutMs: recognizeOptions.timeoutMs ?? 60_000, resolve, reject });
        pump();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const task of queue.splice(0)) {
        task.reject(new OcrError("ENGINE_CLOSED", "The OCR engine was closed."));
      }
      await Promise.all(
        slots.map(async (slot) => {
          const worker = slot.worker;
          slot.worker = null;
          if (worker) await worker.terminate().catch(() => {});
        }),
      );
    },
  };
}
