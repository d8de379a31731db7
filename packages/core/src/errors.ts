/** Machine-readable error codes every transport maps to an HTTP status. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  RESET_TOKEN_INVALID: 400,
  RESET_TOKEN_EXPIRED: 400,
  RESET_TOKEN_USED: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_INVALID: 401,
  TOKEN_REUSED: 401,
  FORBIDDEN: 403,
  INSUFFICIENT_SCOPE: 403,
  ACCOUNT_DISABLED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  VERSION_CONFLICT: 409,
  EMAIL_TAKEN: 409,
  NOT_CONFIGURED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  // Import files refused at upload, under the file reader's code: a workbook that would inflate
  // past the limits is too large (413); a row wider than the limit cannot be read (422).
  ZIP_TOO_MANY_ENTRIES: 413,
  ZIP_TOO_LARGE: 413,
  ZIP_RATIO_TOO_HIGH: 413,
  TOO_MANY_COLUMNS: 422,
  ACCOUNT_LOCKED: 423,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  SEARCH_UNAVAILABLE: 503,
  SEARCH_EMBEDDER_MISMATCH: 503,
  AI_UNAVAILABLE: 503,
  AI_FAILED: 502,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** The one error type verbs throw; transports turn it into `{ error: { code, message, requestId } }`. */
export class CoreError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly retryAfterSeconds?: number;
  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = "CoreError";
    this.code = code;
    this.details = opts.details;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new CoreError("NOT_FOUND", `${what} not found`);

/** PostgreSQL errors (SQLSTATE) that only bad input causes: a value the column cannot hold. */
const INPUT_SQLSTATES = new Set([
  "22P02", // invalid text representation (e.g. an id that is not a uuid)
  "22021", // NUL byte in text
  "22P05", // \u0000 in jsonb
  "22001", // string too long
  "22003", // numeric out of range
  "22007", // invalid datetime
  "22008", // datetime out of range
  "22009", // invalid time zone displacement (e.g. +25:00)
  "22023", // invalid parameter value (e.g. an unknown time zone name)
  "54001", // nesting too deep for jsonb
]);

/** Transactions PostgreSQL aborted because others touched the same rows at the same time. */
const CONFLICT_SQLSTATES = new Set([
  "40P01", // deadlock detected (two bulk writers locking the same listings in other orders)
  "40001", // serialization failure
]);

/**
 * The client error a database refusal stands for, when the refusal is about a value the request
 * carried, or a clash with other writes that trying again resolves, rather than a fault of the
 * server. Drivers and drizzle wrap the original in `cause`.
 */
export function clientErrorFromDb(err: unknown): CoreError | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === "object"; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && CONFLICT_SQLSTATES.has(code))
      return new CoreError(
        "CONFLICT",
        "Other changes to the same listings were being saved at the same time; nothing was changed, try again",
      );
    if (typeof code === "string" && INPUT_SQLSTATES.has(code)) {
      if (code === "22P02" && typeof message === "string" && message.includes("uuid"))
        return new CoreError("NOT_FOUND", "Not found: the id is not one this API issues");
      return new CoreError("VALIDATION_FAILED", "A value in the request cannot be stored");
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
