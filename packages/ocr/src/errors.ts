/** Machine-readable failure codes of the OCR pipeline. */
export type OcrErrorCode =
  | "UNSUPPORTED_MEDIA_TYPE"
  | "FILE_TOO_LARGE"
  | "EMPTY_FILE"
  | "TOO_MANY_PAGES"
  | "PAGE_TOO_LARGE"
  | "IMAGE_TOO_LARGE"
  | "IMAGE_TOO_SMALL"
  | "CORRUPT_IMAGE"
  | "CORRUPT_PDF"
  | "ENCRYPTED_PDF"
  | "PDF_TOO_COMPLEX"
  | "TIMEOUT"
  | "OCR_FAILED"
  | "ENGINE_CLOSED"
  | "ABORTED";

/** Error thrown by every public function of @mbe/ocr; `code` is stable, `message` is for humans. */
export class OcrError extends Error {
  readonly code: OcrErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: OcrErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OcrError";
    this.code = code;
    this.details = options?.details;
  }
}

/** True when `error` is an OcrError, optionally with the given code. */
export function isOcrError(error: unknown, code?: OcrErrorCode): error is OcrError {
  return error instanceof OcrError && (code === undefined || error.code === code);
}
