/** Bounds applied to one upload; every field is optional in the public API. */
export interface ScanLimits {
  /** Largest accepted upload in bytes (default 20 MB). */
  maxBytes: number;
  /** Most pages accepted in a PDF (default 50). */
  maxPages: number;
  /** Largest decoded image in pixels (default 60 MP); bigger images are refused, not resized. */
  maxImagePixels: number;
  /** Pixels an image is prepared for OCR at, at most (default 16 MP); bigger ones are scaled down. */
  maxPreparedPixels: number;
  /** Largest PDF page side in points (default 14 400 pt = 200 in); bigger pages are refused. */
  maxPageSidePoints: number;
  /** Largest rendered PDF page in pixels (default 16 MP); the render scale shrinks to fit. */
  maxRenderPixels: number;
  /** Most text items taken from one PDF page's text layer (default 50 000); more is refused. */
  maxPageTextItems: number;
  /** Most characters taken from one PDF page's text layer (default 200 000); more is refused. */
  maxPageTextChars: number;
  /** Wall-clock budget for the whole PDF parse/render phase in ms (default 60 s). */
  pdfTimeoutMs: number;
  /** Heap cap of the isolated PDF parser in MB (default 512). */
  pdfMemoryMb: number;
  /** Wall-clock budget for OCR of one page in ms (default 60 s). */
  pageOcrTimeoutMs: number;
}

/** Default limits used when the caller passes none. */
export const DEFAULT_LIMITS: Readonly<ScanLimits> = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxPages: 50,
  maxImagePixels: 60_000_000,
  maxPreparedPixels: 16_000_000,
  maxPageSidePoints: 14_400,
  maxRenderPixels: 16_000_000,
  maxPageTextItems: 50_000,
  maxPageTextChars: 200_000,
  pdfTimeoutMs: 60_000,
  pdfMemoryMb: 512,
  pageOcrTimeoutMs: 60_000,
});

/** Fills unspecified limits with defaults and rejects nonsensical values. */
export function resolveLimits(limits?: Partial<ScanLimits>): ScanLimits {
  const merged: ScanLimits = { ...DEFAULT_LIMITS, ...(limits ?? {}) };
  for (const [key, value] of Object.entries(merged)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`limit ${key} must be a positive number`);
    }
  }
  return merged;
}
