import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  ConvertScanInput,
  cancelScan,
  convertScan,
  createScan,
  deleteScan,
  getScan,
  ListScansInput,
  listScans,
  openScanPageImage,
  requireActor,
  rerunScan,
  UpdateScanInput,
  updateScan,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext, rateLimit } from "../http/middleware";
import { streamFile } from "../http/stream";
import { receiveUpload } from "../http/upload";
import {
  authedErrors,
  body,
  conflict,
  fileBytes,
  json,
  SignedUrlQuery,
  security,
  securityOrSignedUrl,
} from "../openapi/route";
import { ErrorBody, IdParam, Ok, pageOf } from "../openapi/schemas";

/** A signed page image link also says when it was minted, so a password change can revoke it. */
const SignedScanQuery = SignedUrlQuery.extend({
  iat: z.string().max(20).optional().openapi({
    description:
      "When the signed URL was minted (Unix milliseconds); part of the signature. A link minted before the account's password last changed is refused",
  }),
});

const Scan = z
  .object({
    id: z.uuid(),
    fileName: z.string(),
    mimeType: z.string(),
    size: z.number().int(),
    pageCount: z.number().int().nullable(),
    status: z.enum(["pending", "processing", "completed", "failed", "corrected"]),
    engine: z.string(),
    pages: z.array(
      z.object({
        page: z.number().int(),
        text: z.string(),
        confidence: z.number(),
        source: z.string(),
        width: z.number(),
        height: z.number(),
        imageUrl: z.string().nullable(),
      }),
    ),
    items: z.array(z.record(z.string(), z.unknown())),
    processingMs: z.number().int().nullable(),
    /** While the scan is processing: the page its job has reached (page 0 before any is known). */
    progress: z
      .object({ page: z.number().int(), pages: z.number().int(), stage: z.string() })
      .nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("OcrScan");

/** /v1/ocr/scans: photos and PDFs of price lists → reviewed draft listings. */
export function ocrRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["OCR"];
  const maxBytes = deps.config.MAX_OCR_BYTES;
  app.openAPIRegistry.registerPath({
    method: "post",
    // Relative to the mount point, like every other route here: the document adds /v1/ocr.
    path: "/scans",
    tags,
    operationId: "createScan",
    summary: "Upload a photo or PDF for OCR",
    security,
    description: `Upload a PNG, JPEG, WebP, TIFF, HEIC or PDF (≤ ${Math.round(maxBytes / 1024 / 1024)} MB, ≤ 50 pages) as multipart field \`file\`. The type is checked by its bytes. OCR runs as a job; poll GET /v1/ocr/scans/{id}.`,
    request: {
      body: {
        content: {
          "multipart/form-data": {
            schema: z.object({ file: fileBytes() }),
          },
        },
      },
    },
    responses: {
      201: json(Scan, "Queued for OCR"),
      ...authedErrors,
      415: json(ErrorBody, "Not an image or PDF"),
    },
  });
  app.post("/scans", rateLimit(deps.rateLimits.uploads, "uploads"), async (c) => {
    const ctx = coreContext(c, deps);
    const actor = requireActor(ctx, "write");
    const upload = await receiveUpload(c, {
      storage: deps.storage,
      ownerId: actor.userId,
      kind: "ocr",
      maxBytes,
    });
    return c.json(await createScan(ctx, upload, maxBytes), 201);
  });
  app.openapi(
    createRoute({
      method: "get",
      path: "/scans",
      tags,
      operationId: "listScans",
      summary: "List OCR scans",
      security,
      request: { query: ListScansInput },
      responses: {
        200: json(pageOf(Scan.extend({ itemCount: z.number().int() }))),
        ...authedErrors,
      },
    }),
    async (c) => c.json(await listScans(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/scans/{id}",
      tags,
      operationId: "getScan",
      summary: "Get an OCR scan",
      security,
      request: { params: IdParam },
      responses: { 200: json(Scan), ...authedErrors },
    }),
    async (c) => c.json(await getScan(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/scans/{id}",
      tags,
      operationId: "updateScan",
      summary: "Save corrected scan items",
      security,
      description: "Saves corrected items; the scan becomes `corrected`.",
      request: { params: IdParam, body: body(UpdateScanInput) },
      responses: { 200: json(Scan), ...authedErrors, ...conflict },
    }),
    async (c) =>
      c.json(
        await updateScan(coreContext(c, deps), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/scans/{id}/convert",
      tags,
      operationId: "convertScan",
      summary: "Create draft listings from a scan",
      security,
      description: "Creates draft listings from the chosen items as one change set (source `ocr`).",
      request: { params: IdParam, body: body(ConvertScanInput) },
      responses: {
        200: json(
          z.object({
            created: z.number().int(),
            changeSetId: z.uuid().nullable(),
            listingIds: z.array(z.uuid()).optional(),
            errors: z.array(z.object({ index: z.number().int(), message: z.string() })),
          }),
        ),
        ...authedErrors,
        ...conflict,
      },
    }),
    async (c) =>
      c.json(
        await convertScan(coreContext(c, deps), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/scans/{id}/rerun",
      tags,
      operationId: "rerunScan",
      summary: "Run OCR on a scan again",
      description:
        "Queues OCR again; the previous results are replaced. 409 while the scan is being processed.",
      security,
      request: { params: IdParam },
      responses: { 202: json(Scan), ...authedErrors, ...conflict },
    }),
    async (c) => c.json(await rerunScan(coreContext(c, deps), c.req.valid("param").id), 202),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/scans/{id}/cancel",
      tags,
      operationId: "cancelScan",
      summary: "Cancel an OCR scan",
      description: "Stops a pending or running scan; the worker checks between pages.",
      security,
      request: { params: IdParam },
      responses: { 200: json(Scan), ...authedErrors, ...conflict },
    }),
    async (c) => c.json(await cancelScan(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/scans/{id}",
      tags,
      operationId: "deleteScan",
      summary: "Delete an OCR scan",
      security,
      request: { params: IdParam },
      responses: { 200: json(Ok), ...authedErrors },
    }),
    async (c) => c.json(await deleteScan(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/scans/{id}/pages/{page}/image",
      tags,
      operationId: "getScanPageImage",
      summary: "Get a scan page's image",
      security: securityOrSignedUrl,
      description:
        "A page image for side-by-side review; the signed `imageUrl` of a page works without credentials: its `iat`, `exp` and `sig` go together. A password change revokes the links minted before it.",
      request: {
        params: IdParam.extend({ page: z.coerce.number().int().min(1).max(1000) }),
        query: SignedScanQuery,
      },
      responses: {
        200: {
          description: "PNG",
          content: { "image/png": { schema: fileBytes("image/png") } },
        },
        ...authedErrors,
      },
    }),
    async (c) => {
      const { id, page } = c.req.valid("param");
      const q = c.req.valid("query");
      const stream = await openScanPageImage(coreContext(c, deps), id, page, q.sig ? q : undefined);
      return streamFile(
        c,
        stream,
        `page-${page}.png`,
        "image/png",
        "private, max-age=600",
      ) as never;
    },
  );
  return app;
}
