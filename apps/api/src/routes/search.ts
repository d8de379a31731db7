import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  AiApplyInput,
  AiAskInput,
  AiSuggestInput,
  aiApply,
  aiAsk,
  aiSuggest,
  ListDuplicatesInput,
  listDuplicates,
  MergeDuplicatesInput,
  mergeDuplicates,
  requestReindex,
  SearchListingsInput,
  searchListings,
  similarListings,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext } from "../http/middleware";
import { authedErrors, body, conflict, err, json, security } from "../openapi/route";
import { BulkUpsertResult, ErrorBody, IdParam, Listing } from "../openapi/schemas";

const Hit = z
  .object({
    listing: Listing,
    score: z.number(),
    semanticScore: z.number().optional(),
    textScore: z.number().optional(),
  })
  .openapi("SearchHit");
const unavailable = {
  503: json(
    ErrorBody,
    "Search or AI unavailable (SEARCH_UNAVAILABLE, AI_UNAVAILABLE, SEARCH_EMBEDDER_MISMATCH). Retry-After comes with the temporary cases (the index being rebuilt, the search or AI service down); without it search is off on this server (disabled, or its store failed to start), or (SEARCH_EMBEDDER_MISMATCH) the index was built by another embedder than this server's and the worker will not rebuild it, because the API and the worker are configured differently (OPENAI_API_KEY); trying again does not help",
  ),
};
const aiFailed = {
  502: err("The AI service answered with an error or with output that cannot be used (AI_FAILED)"),
};

/** The AI operations that need the OpenAI key; without it they are off on this server. */
const aiNotConfigured = {
  409: err(
    "AI is off on this server (NOT_CONFIGURED): no OpenAI API key is configured (OPENAI_API_KEY)",
  ),
};

/** /v1/search, similar listings, duplicates, AI assistance and the admin reindex. */
export function searchRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["Search"];
  app.openapi(
    createRoute({
      method: "get",
      path: "/search",
      tags,
      operationId: "searchListings",
      summary: "Search listings",
      security,
      description:
        "Semantic search over your catalog blended with text match; each result has a score.",
      request: { query: SearchListingsInput },
      responses: {
        200: json(
          z.object({
            items: z.array(Hit),
            embedder: z
              .object({ provider: z.string(), model: z.string(), dimensions: z.number() })
              .passthrough(),
          }),
        ),
        ...authedErrors,
        ...unavailable,
      },
    }),
    async (c) => c.json(await searchListings(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/listings/{id}/similar",
      tags,
      operationId: "similarListings",
      summary: "Find listings similar to one",
      security,
      request: {
        params: IdParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }),
      },
      responses: { 200: json(z.object({ items: z.array(Hit) })), ...authedErrors, ...unavailable },
    }),
    async (c) =>
      c.json(
        await similarListings(
          coreContext(c, deps),
          c.req.valid("param").id,
          c.req.valid("query").limit,
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/duplicates",
      tags,
      operationId: "listDuplicates",
      summary: "List likely duplicate listings",
      security,
      request: { query: ListDuplicatesInput },
      responses: {
        200: json(z.object({ groups: z.array(z.array(Listing)) })),
        ...authedErrors,
        ...unavailable,
      },
    }),
    async (c) => c.json(await listDuplicates(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/duplicates/merge",
      tags,
      operationId: "mergeDuplicates",
      summary: "Merge or delete duplicate listings",
      security,
      description:
        "Keeps one listing and merges (quantities, pictures) or deletes the others, as one change set.",
      request: { body: body(MergeDuplicatesInput) },
      responses: {
        200: json(z.object({ changeSetId: z.uuid(), removed: z.number().int() })),
        ...authedErrors,
        ...conflict,
      },
    }),
    async (c) => c.json(await mergeDuplicates(coreContext(c, deps), c.req.valid("json")), 200),
  );
  const ai = ["AI"];
  app.openapi(
    createRoute({
      method: "post",
      path: "/ai/suggest",
      tags: ai,
      operationId: "aiSuggest",
      summary: "Suggest titles, descriptions and categories",
      security,
      description:
        "Proposed title, description and category per listing, within the marketplace's limits. Writes nothing. 409 NOT_CONFIGURED without an OpenAI key.",
      request: { body: body(AiSuggestInput) },
      responses: {
        200: json(
          z.object({
            suggestions: z.array(
              z.object({
                id: z.uuid(),
                version: z.number().int(),
                before: z.record(z.string(), z.unknown()),
                after: z.record(z.string(), z.unknown()),
                truncated: z.boolean(),
              }),
            ),
          }),
        ),
        ...authedErrors,
        ...aiNotConfigured,
        ...unavailable,
        ...aiFailed,
      },
    }),
    async (c) => c.json(await aiSuggest(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/ai/apply",
      tags: ai,
      operationId: "aiApply",
      summary: "Apply AI suggestions",
      security,
      description: "Applies reviewed suggestions as one change set.",
      request: { body: body(AiApplyInput) },
      responses: { 200: json(BulkUpsertResult), ...authedErrors },
    }),
    async (c) => c.json(await aiApply(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/ai/ask",
      tags: ai,
      operationId: "aiAsk",
      summary: "Ask a question about your listings",
      security,
      description: "Answers a question from the listings search retrieves, citing them.",
      request: { body: body(AiAskInput) },
      responses: {
        200: json(
          z.object({
            answer: z.string(),
            citations: z.array(
              z.object({
                id: z.uuid(),
                title: z.string(),
                price: z.number(),
                sku: z.string().nullable(),
              }),
            ),
          }),
        ),
        ...authedErrors,
        ...aiNotConfigured,
        ...unavailable,
        ...aiFailed,
      },
    }),
    async (c) => c.json(await aiAsk(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/search/reindex",
      tags: ["Admin"],
      operationId: "reindexSearch",
      summary: "Rebuild the search index",
      security,
      description:
        "Admins: rebuild the whole index into new collections and swap it in atomically.",
      responses: { 202: json(z.object({ jobId: z.string() })), ...authedErrors },
    }),
    async (c) => c.json(await requestReindex(coreContext(c, deps)), 202),
  );
  return app;
}
