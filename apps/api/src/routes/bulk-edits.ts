import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { applyBulkEdit, BulkEditInput, previewBulkEdit } from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext } from "../http/middleware";
import { authedErrors, body, conflict, err, json, security } from "../openapi/route";

const Preview = z
  .object({
    matched: z.number().int(),
    changed: z.number().int(),
    sample: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        before: z.record(z.string(), z.unknown()),
        after: z.record(z.string(), z.unknown()),
      }),
    ),
    /** The first 100 rows that would be rejected, with the reasons. */
    rejected: z.array(z.object({ id: z.string(), message: z.string() })),
    /** How many rows would be rejected in all. */
    rejectedCount: z.number().int(),
  })
  .openapi("BulkEditPreview");
const Applied = z
  .object({
    changeSetId: z.uuid().nullable(),
    changed: z.number().int(),
    rejected: z.number().int(),
  })
  .openapi("BulkEditResult");

/** Find and replace runs patterns on a small pool of threads, under a time budget. */
const patternErrors = {
  422: err(
    "The find and replace pattern cannot be run, or takes too long on these listings (UNPROCESSABLE)",
  ),
  503: err("Find and replace is busy (SERVICE_UNAVAILABLE); see Retry-After"),
};

/** /v1/bulk-edits: find & replace, price change, set field, template, duplicate, delete. */
export function bulkEditRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["Bulk edits"];
  app.openapi(
    createRoute({
      method: "post",
      path: "/preview",
      tags,
      operationId: "previewBulkEdit",
      summary: "Preview a bulk edit",
      security,
      description:
        "What the operation would change on the selection (ids or a filter): counts and up to 20 sample rows. Writes nothing.",
      request: { body: body(BulkEditInput) },
      responses: { 200: json(Preview), ...authedErrors, ...patternErrors },
    }),
    async (c) => c.json(await previewBulkEdit(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/apply",
      tags,
      operationId: "applyBulkEdit",
      summary: "Apply a bulk edit",
      security,
      description:
        "Applies the operation as one change set (undo with POST /v1/change-sets/{id}/undo).",
      request: { body: body(BulkEditInput) },
      responses: { 200: json(Applied), ...authedErrors, ...conflict, ...patternErrors },
    }),
    async (c) => c.json(await applyBulkEdit(coreContext(c, deps), c.req.valid("json")), 200),
  );
  return app;
}
