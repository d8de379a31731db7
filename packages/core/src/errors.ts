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
  ACCOUNT_LOCKED: 423,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  SEARCH_UNAVAILABLE: 503,
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
