import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { AppDeps } from "./http/deps";
import type { AppEnv } from "./http/env";
import { errorResponse, onError, zodDetails } from "./http/errors";
import { authenticate, noStore, rateLimit, withRequestContext } from "./http/middleware";
import { addDocumentWideResponses } from "./openapi/route";
import { adminRoutes } from "./routes/admin";
import { analyticsRoutes } from "./routes/analytics";
import { apiKeyRoutes } from "./routes/api-keys";
import { auditLogRoutes } from "./routes/audit-logs";
import { authRoutes } from "./routes/auth";
import { bulkEditRoutes } from "./routes/bulk-edits";
import { changeSetRoutes } from "./routes/change-sets";
import { docsPage } from "./routes/docs";
import { exportRoutes } from "./routes/exports";
import { healthRoutes } from "./routes/health";
import { importRoutes, mappingProfileRoutes } from "./routes/imports";
import { listingRoutes } from "./routes/listings";
import { metricsRoutes } from "./routes/metrics";
import { ocrRoutes } from "./routes/ocr";
import {
  QUEUES_DASHBOARD_PATH,
  queuesDashboardRoutes,
  queuesTicketRoutes,
} from "./routes/queues-dashboard";
import { searchRoutes } from "./routes/search";
import { templateRoutes } from "./routes/templates";
import { mountTrpc } from "./trpc/mount";

export type { AppDeps } from "./http/deps";
export type { AppRouter } from "./trpc/router";

/**
 * Builds the whole HTTP surface: REST under /v1 (OpenAPI at /v1/openapi.json, docs at /docs),
 * tRPC at /trpc, health, and the console. Web-standard only, so `app.request()` tests it.
 */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success)
        return errorResponse(
          c,
          400,
          "VALIDATION_FAILED",
          "Request is invalid",
          zodDetails(result.error),
        );
    },
  });
  app.onError(onError);
  // Nothing routed: the console's pages and assets when it is served, else the JSON 404.
  app.notFound(async (c) => {
    const page = await deps.consoleHandler?.(c, async () => {});
    return page ?? errorResponse(c, 404, "NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`);
  });
  const corsHandler = cors({
    origin: deps.config.CORS_ORIGINS.split(",").map((s) => s.trim()),
    allowHeaders: ["Authorization", "Content-Type", "X-API-Key", "X-Request-Id", "Idempotency-Key"],
    exposeHeaders: [
      "X-Request-Id",
      "RateLimit",
      "RateLimit-Policy",
      "Retry-After",
      "Content-Disposition",
      // Exports: the rows a streamed export holds and the marketplace rules they break.
      "X-Total-Count",
      "X-Export-Warnings",
    ],
    credentials: false,
    maxAge: 600,
  });
  app.route("/health", healthRoutes(deps));
  app.route("/metrics", metricsRoutes(deps));
  app.route(QUEUES_DASHBOARD_PATH, queuesDashboardRoutes(deps));

  const jsonLimit = bodyLimit({
    maxSize: deps.config.MAX_JSON_BYTES,
    onError: (c) =>
      errorResponse(
        c,
        413,
        "PAYLOAD_TOO_LARGE",
        `Request bodies are limited to ${deps.config.MAX_JSON_BYTES} bytes`,
      ),
  });
  // Bulk routes carry their own, larger limit.
  app.use("/v1/*", noStore);
  app.use("/v1/*", async (c, next) => {
    // Reads carry no body; skipping them also spares materialising a full Request on each GET.
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const p = c.req.path;
    if (p === "/v1/listings/bulk" || p === "/v1/listings/bulk-delete") return next();
    // Uploads stream to storage under their own, larger cap.
    if (c.req.method === "POST" && (p === "/v1/imports" || p === "/v1/ocr/scans")) return next();
    return jsonLimit(c, next);
  });
  app.use("/v1/*", authenticate(deps));
  app.use("/v1/*", rateLimit(deps.rateLimits.api, "api"));
  app.route("/v1/auth", authRoutes(deps));
  app.route("/v1/api-keys", apiKeyRoutes(deps));
  app.route("/v1/listings", listingRoutes(deps));
  app.route("/v1/templates", templateRoutes(deps));
  app.route("/v1/change-sets", changeSetRoutes(deps));
  app.route("/v1/audit-logs", auditLogRoutes(deps));
  app.route("/v1/analytics", analyticsRoutes(deps));
  app.route("/v1/admin", adminRoutes(deps));
  app.route("/v1/admin", queuesTicketRoutes(deps));
  app.route("/v1/bulk-edits", bulkEditRoutes(deps));
  app.route("/v1/imports", importRoutes(deps));
  app.route("/v1/mapping-profiles", mappingProfileRoutes(deps));
  app.route("/v1/exports", exportRoutes(deps));
  app.route("/v1/ocr", ocrRoutes(deps));
  app.route("/v1", searchRoutes(deps));

  addDocumentWideResponses(app.openAPIRegistry);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKeyAuth", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  app.doc31("/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Marketplace Bulk Editor API",
      version: deps.version,
      description:
        "Bulk listing management for marketplace sellers. Authenticate with a Bearer access token or an API key (`X-API-Key` or `Authorization: Bearer mbe_…`). Errors: `{ error: { code, message, requestId } }`.",
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "Auth", description: "Accounts, sign-in, sessions and password resets." },
      { name: "API keys", description: "Keys for server-to-server access, with scopes." },
      { name: "Listings", description: "The seller's listings, one at a time or in bulk." },
      { name: "Templates", description: "Reusable field values applied to many listings at once." },
      {
        name: "Bulk edits",
        description: "Find and replace, price changes and field edits across listings.",
      },
      {
        name: "Change sets",
        description: "The history of writes to listings, with undo and redo.",
      },
      {
        name: "Imports",
        description: "Spreadsheet and JSON imports, analysed before they commit.",
      },
      {
        name: "Exports",
        description: "Listings exported to files, streamed at once or built by a job.",
      },
      { name: "OCR", description: "Photos and PDFs read by OCR and turned into draft listings." },
      { name: "Search", description: "Semantic search, similar listings and duplicate detection." },
      { name: "AI", description: "AI suggestions and answers about the seller's listings." },
      { name: "Analytics", description: "Charts computed over the seller's catalog." },
      { name: "Audit", description: "The audit log of actions on the seller's data." },
      { name: "Admin", description: "Administration of accounts, queues and the search index." },
    ],
  });
  app.get("/docs", docsPage);

  mountTrpc(app, deps);
  // Request id, logger, access log, metrics and CORS (for requests with an Origin; same-origin
  // ones, the console's and server-to-server integrations', skip that work) around every request.
  app.fetch = withRequestContext(app, deps, corsHandler);
  return app;
}
