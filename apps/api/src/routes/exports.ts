import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  ExportInput,
  getExport,
  ListExportsInput,
  listExports,
  openExportDownload,
  startExport,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext, rateLimit } from "../http/middleware";
import { streamFile } from "../http/stream";
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
import { IdParam, pageOf } from "../openapi/schemas";

/** A signed export link also says when it was minted, so a password change can revoke it. */
const SignedExportQuery = SignedUrlQuery.extend({
  iat: z.string().max(20).optional().openapi({
    description:
      "When the signed URL was minted (Unix milliseconds); part of the signature. A link minted before the account's password last changed is refused",
  }),
});

export const ExportWarning = z
  .object({
    code: z.string().openapi({ example: "TITLE_TOO_LONG" }),
    count: z.number().int(),
    message: z.string().openapi({
      example: "3 titles are longer than eBay's 80 characters; eBay will refuse those rows",
    }),
    sample: z.array(z.string()).openapi({ description: "Ids of up to 5 of those listings" }),
  })
  .openapi("ExportWarning");

export const ExportJob = z
  .object({
    id: z.uuid(),
    format: z.string(),
    marketplace: z.string().nullable(),
    status: z.enum(["pending", "running", "completed", "failed"]),
    fileName: z.string().nullable(),
    size: z.number().int().nullable(),
    rowCount: z.number().int().nullable(),
    error: z.string().nullable(),
    warnings: z.array(ExportWarning).openapi({
      description:
        "Listings in the file that break a hard rule of the chosen marketplace (eBay titles over 80 characters, quantity below 1, Facebook titles over 150 characters…), counted per rule when the file is written. They are exported as they are; empty for the generic layout",
    }),
    progress: z.object({ processed: z.number(), total: z.number() }).nullable(),
    downloadUrl: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("ExportJob");

/** What an export file is served as, by its extension. */
const FILE_TYPES: Record<string, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  sql: "application/sql",
  txt: "text/plain; charset=utf-8",
  zip: "application/zip",
};

/**
 * A JSON export is JSON, so its schema describes the parsed body (a string would tell generated
 * clients to expect one JSON string): an array of listings in the generic layout, prices as
 * decimal strings.
 */
const jsonFile = z.array(z.record(z.string(), z.unknown())).openapi({
  description:
    'One object per listing in the generic layout (the fields of a listing; `price` as a decimal string such as "10.00")',
});
/** The media types an export file comes in (octet-stream for anything unforeseen). */
const fileContent = {
  "text/csv": { schema: z.string() },
  "application/json": { schema: jsonFile },
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
    schema: fileBytes("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
  },
  "application/sql": { schema: z.string() },
  "text/plain": { schema: z.string() },
  "application/zip": { schema: fileBytes("application/zip") },
  "application/octet-stream": { schema: fileBytes() },
};
const contentDisposition = {
  description: 'Always `attachment; filename="…"` with the file\'s name',
  schema: { type: "string" },
} as const;

/** JSON for a header value: anything outside printable ASCII escaped, so the header stays valid. */
function headerJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** /v1/exports: CSV, JSON, XLSX, SQL and text, in each marketplace's layout, streamed. */
export function exportRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["Exports"];
  app.use("/", async (c, next) =>
    c.req.method === "POST" ? rateLimit(deps.rateLimits.exports, "exports")(c, next) : next(),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      operationId: "createExport",
      summary: "Export listings",
      security,
      description: `Exports the selection (ids, a filter, or everything). Up to 20,000 rows (200,000 for the generic CSV, which PostgreSQL formats, while fewer than three such downloads are running) stream straight back as the file (\`Content-Disposition: attachment; filename="marketplace-listings-YYYYMMDD-HHMMSS.ext"\`); more, or \`mode: "job"\`, answer 202 with an export to poll. Facebook's layout is XLSX in ceil(N/50) files (zipped beyond 50); eBay's is one File Exchange CSV per currency (zipped when the selection has several); Shopify's is cut into a zip of parts past 15 MB; CSV and XLSX neutralise formula injection; CSV carries a UTF-8 BOM for Excel. Listings that break a hard rule of the chosen marketplace are exported as they are and reported: counted per rule with one query over the selection before the file starts, in the \`X-Export-Warnings\` header of a streamed file, and in \`warnings\` of a queued export once it completes.`,
      request: { body: body(ExportInput) },
      responses: {
        200: {
          description:
            "The file: CSV, JSON, XLSX, SQL or text, or a ZIP of files (Facebook's layout beyond 50 listings, eBay's in several currencies, Shopify's past 15 MB)",
          headers: {
            "X-Total-Count": {
              description: "How many listings the file holds",
              schema: { type: "integer", minimum: 0 },
            },
            "Content-Disposition": contentDisposition,
            "X-Export-Warnings": {
              description:
                'Only when some listings break a hard rule of the chosen marketplace: a JSON array of `ExportWarning` (`[{"code":"TITLE_TOO_LONG","count":3,"message":"…","sample":["<listing id>",…]}]`), ASCII only',
              schema: { type: "string" },
            },
          },
          content: fileContent,
        },
        202: json(ExportJob, "Queued"),
        ...authedErrors,
      },
    }),
    async (c) => {
      const r = await startExport(coreContext(c, deps), c.req.valid("json"));
      if (r.kind === "job") return c.json(r.export, 202);
      c.header("X-Total-Count", String(r.total));
      if (r.warnings.length > 0) c.header("X-Export-Warnings", headerJson(r.warnings));
      // Counted once the whole file went out; an aborted download is not a finished export.
      const metrics = deps.metrics;
      if (metrics) r.stream.once("end", () => metrics.exportRows(r.extension, "stream", r.total));
      return streamFile(c, r.stream, r.fileName, r.contentType) as never;
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      operationId: "listExports",
      summary: "List exports",
      security,
      request: { query: ListExportsInput },
      responses: { 200: json(pageOf(ExportJob)), ...authedErrors },
    }),
    async (c) => c.json(await listExports(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      operationId: "getExport",
      summary: "Get an export",
      security,
      request: { params: IdParam },
      responses: { 200: json(ExportJob), ...authedErrors },
    }),
    async (c) => c.json(await getExport(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/{id}/download",
      tags,
      operationId: "downloadExport",
      summary: "Download an export file",
      security: securityOrSignedUrl,
      description:
        "The finished file. Either authenticate, or use the signed `downloadUrl` from the export, valid 15 minutes, with no credentials: its `iat`, `exp` and `sig` go together. A password change revokes the links minted before it.",
      request: { params: IdParam, query: SignedExportQuery },
      responses: {
        200: {
          description: "The file, typed by its extension",
          headers: { "Content-Disposition": contentDisposition },
          content: fileContent,
        },
        ...authedErrors,
        ...conflict,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { fileName, stream } = await openExportDownload(
        coreContext(c, deps),
        c.req.valid("param").id,
        q.sig ? q : undefined,
      );
      const ext = fileName.split(".").pop() ?? "";
      return streamFile(
        c,
        stream,
        fileName,
        FILE_TYPES[ext] ?? "application/octet-stream",
      ) as never;
    },
  );
  return app;
}
