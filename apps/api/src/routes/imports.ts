import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  analyzeImport,
  CommitImportInput,
  CreateMappingProfileInput,
  createImport,
  createMappingProfile,
  deleteMappingProfile,
  getImport,
  importErrorsCsv,
  importOptionsFromFields,
  ListImportsInput,
  listImports,
  listMappingProfiles,
  ReanalyzeImportInput,
  redoImport,
  requestImportCommit,
  requireActor,
  undoImport,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext, rateLimit } from "../http/middleware";
import { streamFile } from "../http/stream";
import { receiveUpload } from "../http/upload";
import { authedErrors, body, conflict, fileBytes, json, security } from "../openapi/route";
import { ErrorBody, IdParam, Ok, pageOf } from "../openapi/schemas";

export const Import = z
  .object({
    id: z.uuid(),
    fileName: z.string(),
    fileSize: z.number().int(),
    sha256: z.string(),
    format: z.string(),
    marketplace: z.string().nullable(),
    mapping: z.record(z.string(), z.string()),
    samples: z.record(z.string(), z.string()).openapi({
      description:
        "The first non-empty value of each column of the file (trimmed, at most 80 characters), from its first 1,000 rows; at most 200 columns; empty before the dry run",
    }),
    mode: z.enum(["create", "update", "upsert"]),
    matchBy: z.enum(["id", "sku"]),
    status: z.enum(["uploaded", "previewed", "committing", "committed", "failed", "undone"]),
    counts: z.record(z.string(), z.number()),
    problems: z.array(z.unknown()),
    problemCount: z.number().int(),
    changeSetId: z.uuid().nullable(),
    error: z.string().nullable(),
    progress: z
      .object({
        processed: z.number(),
        total: z.number(),
        unit: z.enum(["rows", "bytes"]).optional().openapi({
          description:
            "What `processed` and `total` count: rows of the import while it commits; while its dry run runs in the background, bytes read of the file (CSV, JSON) or of the workbook sheet's XML (rows when absent)",
        }),
        rows: z
          .number()
          .int()
          .optional()
          .openapi({ description: "During the dry run: rows checked so far" }),
      })
      .nullable()
      .openapi({
        description:
          "While a job works on the import (status `uploaded` with a background dry run, `committing`) and once committed; otherwise null",
      }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Import");
/** What an upload or a commit answers: the import, and whether an Idempotency-Key replayed it. */
const ImportResult = Import.extend({
  replayed: z
    .boolean()
    .openapi({ description: "True when the Idempotency-Key matched an earlier request" }),
}).openapi("ImportResult");
const IdempotencyHeader = z.object({
  "Idempotency-Key": z.string().optional().openapi({
    description:
      "Makes a repeat of the request return the first one's result (`replayed: true`); the first 200 characters count",
  }),
});
const MappingProfile = z
  .object({
    id: z.uuid(),
    name: z.string(),
    mapping: z.record(z.string(), z.string()),
    createdAt: z.string(),
  })
  .openapi("MappingProfile");

/** /v1/imports: upload → dry run → commit (a job with progress) → undo; /v1/mapping-profiles. */
export function importRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["Imports"];
  const maxBytes = deps.config.MAX_IMPORT_BYTES;

  app.openAPIRegistry.registerPath({
    method: "post",
    // Relative to the mount point, like every other route here: the document adds /v1/imports.
    path: "/",
    tags,
    operationId: "createImport",
    summary: "Upload a file to import",
    security,
    description: `Upload a CSV (any delimiter, UTF-8/UTF-16), XLSX or JSON file (≤ ${Math.round(maxBytes / 1024 / 1024)} MB) as multipart field \`file\`, or as the raw body (any other Content-Type) with \`?fileName=\`; a raw upload takes the default options. Facebook, eBay and Shopify layouts are detected. Nothing is written to listings: the response is the dry run (counts and problems). Send \`Idempotency-Key\` to make a repeated upload return the first import.`,
    request: {
      query: z.object({
        fileName: z.string().optional().openapi({
          description: "The file's name, for a raw-body upload (multipart carries its own)",
        }),
      }),
      headers: IdempotencyHeader,
      body: {
        content: {
          "multipart/form-data": {
            schema: z.object({
              file: fileBytes(),
              marketplace: z.enum(["facebook", "ebay", "shopify", "generic"]).optional(),
              mapping: z
                .string()
                .optional()
                .openapi({ description: "JSON: { header: field | 'ignore' }" }),
              mappingProfileId: z.uuid().optional(),
              mode: z.enum(["create", "update", "upsert"]).default("upsert"),
              matchBy: z.enum(["id", "sku"]).default("sku"),
              applyFixes: z.enum(["true", "false", "1", "0"]).default("false"),
              sheet: z.string().optional().openapi({
                description:
                  "XLSX with several sheets: the sheet's name, or its 1-based position; the first sheet when left out",
              }),
            }),
          },
          // Any other media type is the raw file: OpenAPI lets the more specific key above win.
          "*/*": {
            schema: z.unknown().openapi({
              description:
                "The file itself as the body, under its own Content-Type (text/csv, application/json, the XLSX type, application/octet-stream…); name it with ?fileName=",
            }),
          },
        },
      },
    },
    responses: {
      201: json(ImportResult, "Uploaded and analysed (or queued for analysis when large)"),
      200: json(ImportResult, "Replayed (same Idempotency-Key)"),
      ...authedErrors,
      413: json(
        ErrorBody,
        "Body too large (PAYLOAD_TOO_LARGE), or an XLSX whose zip declares more entries or inflated bytes than allowed (ZIP_TOO_MANY_ENTRIES, ZIP_TOO_LARGE, ZIP_RATIO_TOO_HIGH); the refused upload is listed as a failed import",
      ),
      415: json(ErrorBody, "Not a spreadsheet"),
      422: json(
        ErrorBody,
        "A CSV whose first row has more columns than allowed (TOO_MANY_COLUMNS); the refused upload is listed as a failed import",
      ),
      409: json(
        ErrorBody,
        "A parallel upload with the same Idempotency-Key could not be started (CONFLICT); send the file again",
      ),
      503: json(
        ErrorBody,
        "The dry run of a large file could not be queued (SERVICE_UNAVAILABLE): the upload is listed as a failed import, a replay answers with it, and the Idempotency-Key starts afresh; see Retry-After. When the job reached the queue after all and has taken the import, the answer is 201 with the import as it stands instead",
      ),
    },
  });
  app.post("/", rateLimit(deps.rateLimits.uploads, "uploads"), async (c) => {
    const ctx = coreContext(c, deps);
    const actor = requireActor(ctx, "write");
    const upload = await receiveUpload(c, {
      storage: deps.storage,
      ownerId: actor.userId,
      kind: "imports",
      maxBytes,
    });
    let options: ReturnType<typeof importOptionsFromFields>;
    try {
      options = importOptionsFromFields(upload.fields);
    } catch (err) {
      await deps.storage.delete(upload.storageKey);
      throw err;
    }
    const idem = c.req.header("idempotency-key")?.slice(0, 200);
    const result = await createImport(ctx, upload, options, idem);
    return c.json(result, result.replayed ? 200 : 201);
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      operationId: "listImports",
      summary: "List imports",
      security,
      request: { query: ListImportsInput },
      responses: { 200: json(pageOf(Import)), ...authedErrors },
    }),
    async (c) => c.json(await listImports(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      operationId: "getImport",
      summary: "Get an import",
      security,
      request: { params: IdParam },
      responses: { 200: json(Import), ...authedErrors },
    }),
    async (c) => c.json(await getImport(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/{id}/analyze",
      tags,
      operationId: "analyzeImport",
      summary: "Analyze an import (dry run)",
      security,
      description:
        "Runs the dry run again, e.g. with a corrected column mapping or with fixes applied.",
      request: { params: IdParam, body: body(ReanalyzeImportInput) },
      responses: { 200: json(Import), ...authedErrors, ...conflict },
    }),
    async (c) =>
      c.json(
        await analyzeImport(coreContext(c, deps), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/{id}/errors.csv",
      tags,
      operationId: "getImportErrors",
      summary: "Download an import's problems as CSV",
      security,
      request: { params: IdParam },
      responses: {
        200: {
          description:
            "CSV of every problem (row, column, value, severity, code, message, suggestion)",
          content: { "text/csv": { schema: z.string() } },
        },
        ...authedErrors,
      },
    }),
    async (c) => {
      const { fileName, stream } = await importErrorsCsv(
        coreContext(c, deps),
        c.req.valid("param").id,
      );
      return streamFile(c, stream, fileName, "text/csv; charset=utf-8") as never;
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/{id}/commit",
      tags,
      operationId: "commitImport",
      summary: "Commit an import",
      security,
      description:
        "Queues the commit as a job; poll GET /v1/imports/{id} for progress. Every accepted row lands in one transaction, or none does. `Idempotency-Key` makes a repeat a no-op.",
      request: {
        params: IdParam,
        headers: IdempotencyHeader,
        body: { ...body(CommitImportInput), required: false },
      },
      responses: {
        202: json(ImportResult, "Commit queued"),
        200: json(ImportResult, "Already committing or committed"),
        ...authedErrors,
        ...conflict,
      },
    }),
    async (c) => {
      const input = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
      const r = await requestImportCommit(
        coreContext(c, deps),
        c.req.valid("param").id,
        input,
        c.req.header("idempotency-key")?.slice(0, 200),
      );
      return c.json(r, r.replayed ? 200 : 202);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/{id}/undo",
      tags,
      operationId: "undoImport",
      summary: "Undo an import",
      description:
        "Reverts a committed import through its change set. 409 when the import is not committed or its listings changed since.",
      security,
      request: { params: IdParam },
      responses: { 200: json(Import), ...authedErrors, ...conflict },
    }),
    async (c) => c.json(await undoImport(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/{id}/redo",
      tags,
      operationId: "redoImport",
      summary: "Redo an import",
      description:
        "Re-applies an undone import through its change set. 409 when the import is not undone or its listings changed since.",
      security,
      request: { params: IdParam },
      responses: { 200: json(Import), ...authedErrors, ...conflict },
    }),
    async (c) => c.json(await redoImport(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  return app;
}

/** /v1/mapping-profiles: saved column mappings for generic files. */
export function mappingProfileRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["Imports"];
  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      operationId: "listMappingProfiles",
      summary: "List mapping profiles",
      security,
      responses: { 200: json(z.object({ items: z.array(MappingProfile) })), ...authedErrors },
    }),
    async (c) => c.json(await listMappingProfiles(coreContext(c, deps)), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      operationId: "createMappingProfile",
      summary: "Create a mapping profile",
      security,
      request: { body: body(CreateMappingProfileInput) },
      responses: { 201: json(MappingProfile), ...authedErrors, ...conflict },
    }),
    async (c) => c.json(await createMappingProfile(coreContext(c, deps), c.req.valid("json")), 201),
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      operationId: "deleteMappingProfile",
      summary: "Delete a mapping profile",
      security,
      request: { params: IdParam },
      responses: { 200: json(Ok), ...authedErrors },
    }),
    async (c) =>
      c.json(await deleteMappingProfile(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  return app;
}
