/** Machine-readable codes carried by every error this package throws. */
export type SearchErrorCode =
  | "SEARCH_UNAVAILABLE"
  | "SEARCH_INVALID_INPUT"
  | "SEARCH_NOT_FOUND"
  | "SEARCH_REBUILD_REQUIRED"
  | "SEARCH_EMBEDDER_MISMATCH"
  | "SEARCH_REBUILD_CONFLICT"
  | "SEARCH_FAILED"
  | "EMBEDDING_UNAVAILABLE"
  | "EMBEDDING_FAILED"
  | "AI_UNAVAILABLE"
  | "AI_FAILED"
  | "AI_INVALID_OUTPUT";

/** Error with a stable `code`; `status` is the upstream HTTP status when there was one. */
export class SearchError extends Error {
  readonly code: SearchErrorCode;
  readonly status: number | undefined;
  /** Structured facts behind the message, for callers that word their own (e.g. embedder ids). */
  readonly details: Record<string, string> | undefined;

  constructor(
    code: SearchErrorCode,
    message: string,
    opts: { cause?: unknown; status?: number; details?: Record<string, string> } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = "SearchError";
    this.code = code;
    this.status = opts.status;
    this.details = opts.details;
  }
}

/** True when `err` is a SearchError, optionally with the given code. */
export function isSearchError(err: unknown, code?: SearchErrorCode): err is SearchError {
  return err instanceof SearchError && (code === undefined || err.code === code);
}
