import { Worker } from "node:worker_threads";
import { OcrError, type OcrErrorCode } from "./errors";
import type { ScanLimits } from "./limits";
import type { Word } from "./types";

/** One rendered PDF page as produced by the isolated pdf.js worker. */
export interface RenderedPdfPage {
  page: number;
  width: number;
  height: number;
  /** Pixels per PDF point used for the render. */
  scale: number;
  hasTextLayer: boolean;
  /** Text-layer words in rendered pixels (empty when the page has no usable text layer). */
  words: Word[];
  /** RGBA PNG of the page at `scale`. */
  png: Uint8Array;
}

type WorkerMessage =
  | { type: "meta"; pages: number }
  | ({ type: "page" } & RenderedPdfPage)
  | { type: "error"; code: OcrErrorCode; message: string }
  | { type: "done" };

/** Options for {@link readPdf}. */
export interface ReadPdfOptions {
  limits: ScanLimits;
  /** Render scale in pixels per point (default 2 = 144 dpi, what tesseract reads best). */
  scale?: number;
  /** A page counts as having a text layer from this many non-space characters (default 20). */
  minTextChars?: number;
  onPageCount?: (pages: number) => void;
  /** Pages rendered ahead of the reader at most (default 2). */
  ahead?: number;
  /** Called as each page arrives from the renderer, before the reader takes it. */
  onRendered?: (page: number) => void;
}

/**
 * Opens a PDF in a worker thread with a heap cap and a deadline and yields its pages as they
 * are rendered, at most `ahead` pages ahead of the reader. Hostile files end in an OcrError
 * (TOO_MANY_PAGES, PAGE_TOO_LARGE, PDF_TOO_COMPLEX (too much memory, or a page's text layer
 * over its bounds), TIMEOUT, ENCRYPTED_PDF, CORRUPT_PDF) instead
 * of a hang or an OOM. The deadline counts the time spent waiting for the PDF, not the time the
 * reader spends on the pages it was given (OCR of a long document can take longer than reading it).
 */
export async function* readPdf(
  bytes: Uint8Array,
  options: ReadPdfOptions,
): AsyncGenerator<RenderedPdfPage, number> {
  const { limits } = options;
  const copy = bytes.slice();
  const worker = new Worker(new URL("./pdf-worker.mjs", import.meta.url), {
    workerData: {
      bytes: copy,
      maxPages: limits.maxPages,
      maxPageSidePoints: limits.maxPageSidePoints,
      maxRenderPixels: limits.maxRenderPixels,
      maxPageTextItems: limits.maxPageTextItems,
      maxPageTextChars: limits.maxPageTextChars,
      scale: options.scale ?? 2,
      minTextChars: options.minTextChars ?? 20,
      ahead: Math.max(1, options.ahead ?? 2),
    },
    transferList: [copy.buffer as ArrayBuffer],
    resourceLimits: { maxOldGenerationSizeMb: limits.pdfMemoryMb, stackSizeMb: 4 },
    stdout: true,
    stderr: true,
  });
  const inbox: Array<WorkerMessage | OcrError> = [];
  let wake: (() => void) | null = null;
  const push = (m: WorkerMessage | OcrError): void => {
    inbox.push(m);
    wake?.();
  };
  worker.on("message", (m: WorkerMessage) => {
    if (m.type === "page") options.onRendered?.(m.page);
    push(m);
  });
  worker.on("error", (error: Error & { code?: string }) => {
    const oom = error.code === "ERR_WORKER_OUT_OF_MEMORY" || /memory/i.test(error.message);
    push(
      oom
        ? new OcrError("PDF_TOO_COMPLEX", "The PDF needs more memory than allowed to read.", {
            cause: error,
          })
        : new OcrError("CORRUPT_PDF", `The PDF could not be read: ${error.message}`, {
            cause: error,
          }),
    );
  });
  worker.on("exit", () =>
    push(new OcrError("CORRUPT_PDF", "The PDF reader stopped unexpectedly.")),
  );
  // The deadline's clock runs while this reader waits for the PDF and stops while a page is
  // with the caller.
  let budget = limits.pdfTimeoutMs;
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  const runClock = () => {
    since = performance.now();
    timer = setTimeout(() => {
      push(new OcrError("TIMEOUT", `Reading the PDF took longer than ${limits.pdfTimeoutMs} ms.`));
    }, budget);
  };
  const stopClock = () => {
    clearTimeout(timer);
    budget = Math.max(0, budget - (performance.now() - since));
  };
  runClock();
  let pages = 0;
  try {
    for (;;) {
      const next = inbox.shift();
      if (!next) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      if (next instanceof OcrError) throw next;
      if (next.type === "error") throw new OcrError(next.code, next.message);
      if (next.type === "meta") {
        pages = next.pages;
        if (pages > limits.maxPages) {
          throw new OcrError(
            "TOO_MANY_PAGES",
            `The PDF has ${pages} pages; the limit is ${limits.maxPages}.`,
          );
        }
        options.onPageCount?.(pages);
        continue;
      }
      if (next.type === "done") return pages;
      const { type: _type, ...page } = next;
      stopClock();
      yield page;
      runClock();
      worker.postMessage({ type: "more" });
    }
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
