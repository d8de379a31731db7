import type { RouteConfig, z } from "@hono/zod-openapi";
import { ErrorBody } from "./schemas";

export const json = <T extends z.ZodType>(schema: T, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});

export const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

const err = (description: string) => json(ErrorBody, description);

/** The error responses every authenticated operation can give. */
export const authedErrors = {
  400: err("Invalid input (code VALIDATION_FAILED or MALFORMED_BODY)"),
  401: err("Missing, expired or invalid credentials"),
  403: err("Not allowed (e.g. API key lacks the scope)"),
  404: err("Not found (also for another seller's ids)"),
  413: err("Body too large"),
  429: err("Rate limited; see Retry-After"),
} satisfies RouteConfig["responses"];

export const conflict = { 409: err("Conflict (VERSION_CONFLICT when the row changed since)") };
export const security: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyAuth: [] }];
