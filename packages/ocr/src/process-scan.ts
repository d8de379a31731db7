import sharp from "sharp";
import { createOcrEngine, type OcrEngine } from "./engine";
import { OcrError } from "./errors";
import { type Candidate, extractCandidates } from "./extract";
import { prepareImage } from "./image";
import { buildRows, cleanWords, regionsText, splitRegions } from "./layout";
import { resolveLimits, type ScanLimits } from "./limits";
import { readPdf } from "./pdf";
import { type ScanMimeType, sniffUpload } from "./sniff";
import type { ScanProgress, Word } from "./types";

/** Input of {@link processScan}. */
export interface ProcessScanInput {
  bytes: Uint8Array;
  limits?: Partial<ScanLimits>;
  onProgress?: (progress: ScanProgress) => void;
  /** A warm engine to reuse; without one a single-worker engine is created and closed. */
  engine?: OcrEngine;
  /** Currency for prices that name none (default USD). */
  defaultCurrency?: string;
}

/** One page of the result; word boxes are in pixels of `imagePng` (width × height). */
export interface ScanPage {
  page: number;
  text: string;
  /** Mean word confidence 0..1 (1 for a text layer). */
  confidence: number;
  source: "text-layer" | "ocr";
  width: number;
  height: number;
  imagePng?: Uint8Array;
  words?: Word[];
  /** Skew corrected before OCR, in degrees. */
  skewDegrees?: number;
}

/** Output of {@link processScan}. */
export interface ScanResult {
  mimeType: ScanMimeType;
  pageCount: number;
  pages: ScanPage[];
  items: Candidate[];
  processingMs: number;
}

function layoutText(words: Word[]): string {
  return regionsText(splitRegions(buildRows(cleanWords(words))));
}

function scaleWords(words: Word[], factor: number): Word[] {
  if (factor === 1) return words;
  return words.map((w) => ({
    ...w,
    box: {
      x: Math.round(w.box.x / factor),
      y: Math.round(w.box.y / factor),
      width: Math.round(w.box.width / factor),
      height: Math.round(w.box.height / factor),
    },
  }));
}

async function ocrPage(
  engine: OcrEngine,
  bytes: Uint8Array,
  mimeType: string,
  page: number,
  limits: ScanLimits,
): Promise<ScanPage> {
  const prepared = await prepareImage(bytes, mimeType, {
    maxImagePixels: limits.maxImagePixels,
    maxPreparedPixels: limits.maxPreparedPixels,
  });
  const recognized = await engine.recognize(prepared.ocrImage, {
    timeoutMs: limits.pageOcrTimeoutMs,
  });
  const words = scaleWords(recognized.words, prepared.ocrScale);
  return {
    page,
    text: layoutText(words),
    confidence: Math.round(recognized.confidence * 1000) / 1000,
    source: "ocr",
    width: prepared.width,
    height: prepared.height,
    imagePng: prepared.previewPng,
    words,
    skewDegrees: prepared.skewDegrees,
  };
}

/**
 * Reads an uploaded photo, scan or PDF and proposes listing candidates: sniff by magic bytes,
 * PDF text layer where present (OCR otherwise), image clean-up, OCR on the warm engine, then
 * position-based extraction. Rejects with OcrError; the engine stays usable afterwards.
 */
export async function processScan(input: ProcessScanInput): Promise<ScanResult> {
  const started = performance.now();
  const limits = resolveLimits(input.limits);
  const report = input.onProgress ?? (() => {});
  // Pages are read concurrently and finish out of order (page 1's OCR can end after page 2 was
  // rendered): the page reported never goes back, so a progress bar only moves forward.
  let reached = 0;
  const progress = (p: ScanProgress) => {
    reached = Math.max(reached, p.page);
    report({ ...p, page: reached });
  };
  progress({ page: 0, pages: 0, stage: "sniff" });
  const sniffed = sniffUpload(input.bytes, { maxBytes: limits.maxBytes });
  const ownEngine = input.engine ? null : await createOcrEngine({ workers: 1 });
  const engine = input.engine ?? ownEngine;
  if (!engine) throw new OcrError("ENGINE_CLOSED", "No OCR engine.");
  if (engine.closed) throw new OcrError("ENGINE_CLOSED", "The OCR engine is closed.");
  try {
    const pages: ScanPage[] = [];
    let pageCount = 1;
    if (sniffed.kind === "image") {
      progress({ page: 1, pages: 1, stage: "decode" });
      progress({ page: 1, pages: 1, stage: "ocr" });
      pages.push(await ocrPage(engine, input.bytes, sniffed.mimeType, 1, limits));
    } else {
      const pending: Array<Promise<ScanPage>> = [];
      /** The first page that failed: the scan fails with it, so no further page is read. */
      let failure: { error: unknown } | undefined;
      // Pages being prepared or read: one more than the engine's workers keeps each busy while
      // the next page is prepared, and only those pages' decoded images are held at once.
      const running = new Set<Promise<unknown>>();
      const track = (job: Promise<ScanPage>) => {
        const settled: Promise<unknown> = job.then(
          () => running.delete(settled),
          () => running.delete(settled),
        );
        running.add(settled);
        pending.push(job);
        job.catch((error) => {
          failure ??= { error };
        });
      };
      const iterator = readPdf(input.bytes, {
        limits,
        onPageCount: (n) => {
          pageCount = n;
        },
      });
      try {
        for await (const rendered of iterator) {
          while (running.size > engine.size && !failure) await Promise.race(running);
          if (failure) break;
          const n = rendered.page;
          if (rendered.hasTextLayer) {
            progress({ page: n, pages: pageCount, stage: "text-layer" });
            track(
              sharp(rendered.png)
                .grayscale()
                .png({ compressionLevel: 9, palette: true, colours: 16 })
                .toBuffer()
                .then((png) => ({
                  page: n,
                  text: layoutText(rendered.words),
                  confidence: 1,
                  source: "text-layer" as const,
                  width: rendered.width,
                  height: rendered.height,
                  imagePng: png,
                  words: rendered.words,
                })),
            );
          } else {
            progress({ page: n, pages: pageCount, stage: "render" });
            // OCR runs while the PDF worker renders the next page; the pool bounds concurrency.
            const job = ocrPage(engine, rendered.png, "image/png", n, limits).then((p) => {
              progress({ page: n, pages: pageCount, stage: "ocr" });
              return p;
            });
            job.catch(() => {});
            track(job);
          }
        }
      } catch (error) {
        await Promise.allSettled(pending);
        throw error;
      }
      await Promise.allSettled(pending);
      // Assigned in the pages' callbacks, which narrowing does not follow.
      const failed = failure as { error: unknown } | undefined;
      if (failed) throw failed.error;
      pages.push(...(await Promise.all(pending)));
    }
    progress({ page: pageCount, pages: pageCount, stage: "extract" });
    const items = pages.flatMap((p) =>
      extractCandidates(p.words ?? [], {
        page: p.page,
        ...(input.defaultCurrency ? { defaultCurrency: input.defaultCurrency } : {}),
      }),
    );
    progress({ page: pageCount, pages: pageCount, stage: "done" });
    return {
      mimeType: sniffed.mimeType,
      pageCount,
      pages,
      items,
      processingMs: Math.round(performance.now() - started),
    };
  } finally {
    await ownEngine?.close();
  }
}
