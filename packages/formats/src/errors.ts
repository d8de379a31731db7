/** Machine-readable codes for files the readers refuse or cannot finish. */
export const FORMAT_ERROR_CODES = [
  "UNSUPPORTED_FORMAT",
  "BINARY_CONTENT",
  "INVALID_ENCODING",
  "FILE_TOO_LARGE",
  "TOO_MANY_COLUMNS",
  "TOO_MANY_ROWS",
  "CELL_TOO_LONG",
  "UNTERMINATED_QUOTE",
  "EMPTY_FILE",
  "NO_HEADER_ROW",
  "ZIP_TRUNCATED",
  "ZIP_INVALID",
  "ZIP_TOO_MANY_ENTRIES",
  "ZIP_TOO_LARGE",
  "ZIP_RATIO_TOO_HIGH",
  "XLSX_INVALID",
  "XLSX_NO_SHEET",
  "JSON_INVALID",
  "JSON_UNSUPPORTED_SHAPE",
  "RECORD_TOO_LARGE",
  "INVALID_OPTION",
] as const;

/** One of {@link FORMAT_ERROR_CODES}. */
export type FormatErrorCode = (typeof FORMAT_ERROR_CODES)[number];

/** Error thrown by readers and writers; `code` is stable, `message` is for people. */
export class FormatError extends Error {
  readonly code: FormatErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: FormatErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "FormatError";
    this.code = code;
    this.details = details;
  }
}

/** True when `err` is a {@link FormatError} (optionally with the given code). */
export function isFormatError(err: unknown, code?: FormatErrorCode): err is FormatError {
  return err instanceof FormatError && (code === undefined || err.code === code);
}

/** Bounds every reader enforces; all have defaults (see {@link DEFAULT_READ_LIMITS}). */
export interface ReadLimits {
  /** Largest input accepted, in bytes (compressed size for xlsx). */
  maxFileBytes: number;
  /** Most columns in one row. */
  maxColumns: number;
  /** Longest cell, in characters. */
  maxCellChars: number;
  /** Most data rows (header excluded). */
  maxRows: number;
  /** Most entries in an xlsx zip. */
  maxZipEntries: number;
  /** Most bytes all zip entries may inflate to, summed. */
  maxUncompressedBytes: number;
  /** Highest uncompressed/compressed ratio allowed for an entry larger than 1 MiB. */
  maxCompressionRatio: number;
  /** Largest single JSON record, in bytes. */
  maxRecordBytes: number;
}

/** Defaults sized for 100k-row marketplace files with room to spare. */
export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxColumns: 500,
  maxCellChars: 32 * 1024,
  maxRows: 1_000_000,
  maxZipEntries: 10_000,
  maxUncompressedBytes: 512 * 1024 * 1024,
  maxCompressionRatio: 250,
  maxRecordBytes: 1024 * 1024,
};

/** Merges caller limits over the defaults, rejecting nonsense values. */
export function resolveLimits(limits: Partial<ReadLimits> | undefined): ReadLimits {
  const out = { ...DEFAULT_READ_LIMITS, ...(limits ?? {}) };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== "number" || !(v > 0)) {
      throw new FormatError("INVALID_OPTION", `Limit ${k} must be a positive number`);
    }
  }
  return out;
}
