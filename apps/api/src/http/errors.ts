import { CoreError, clientErrorFromDb, type ErrorCode } from "@mbe/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import type { AppEnv } from "./env";

/** The one error body of the API. */
export function errorBody(code: string, message: string, requestId: string, details?: unknown) {
  return { error: { code, message, requestId, ...(details !== undefined ? { details } : {}) } };
}

export function errorResponse(
  c: Context<AppEnv>,
  status: number,
  code: ErrorCode | string,
  message: string,
  details?: unknown,
) {
  return c.json(
    errorBody(code, message, c.env?.requestId ?? "", details),
    status as ContentfulStatusCode,
  );
}

export const zodDetails = (e: ZodError) => ({
  issues: e.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
});

/** Maps anything thrown by a handler to the error body; unknown errors are logged, never leaked. */
export function onError(err: Error, c: Context<AppEnv>) {
  const fromDb = clientErrorFromDb(err);
  if (fromDb) return errorResponse(c, fromDb.status, fromDb.code, fromDb.message);
  if (err instanceof CoreError) {
    if (err.retryAfterSeconds) c.header("Retry-After", String(err.retryAfterSeconds));
    return errorResponse(c, err.status, err.code, err.message, err.details);
  }
  if (err instanceof ZodError)
    return errorResponse(c, 400, "VALIDATION_FAILED", "Request is invalid", zodDetails(err));
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413)
      return errorResponse(c, 413, "PAYLOAD_TOO_LARGE", "Request body is too large");
    if (status === 400)
      return errorResponse(c, 400, "MALFORMED_BODY", err.message || "Malformed request body");
    // The OpenAPI validator's answer to a body of a media type the operation does not take.
    if (status === 415)
      return errorResponse(
        c,
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        err.message || "Unsupported Content-Type for this operation",
      );
    return errorResponse(c, status, status === 401 ? "UNAUTHORIZED" : "BAD_REQUEST", err.message);
  }
  c.env?.log?.error({ err: err.stack ?? String(err) }, "unhandled error");
  return errorResponse(
    c,
    500,
    "INTERNAL",
    "Something went wrong; the request id helps support find it",
  );
}
