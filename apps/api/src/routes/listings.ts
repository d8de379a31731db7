import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  BulkDeleteInput,
  BulkUpsertInput,
  bulkDeleteListings,
  bulkUpsertListings,
  CreateListingInput,
  createListing,
  deleteListing,
  getListing,
  ListListingsInput,
  listListings,
  Marketplace,
  UpdateListingInput,
  updateListing,
} from "@mbe/core";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { errorResponse } from "../http/errors";
import { coreContext } from "../http/middleware";
import { authedErrors, body, conflict, json, security } from "../openapi/route";
import {
  BulkDeleteResult,
  BulkUpsertResult,
  IdParam,
  Listing,
  ListingPage,
  ListingWithChangeSet,
  Ok,
} from "../openapi/schemas";

/** /v1/listings: CRUD with optimistic concurrency, cursor pages, bulk upsert and delete. */
export function listingRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["Listings"];
  const bulkLimit = bodyLimit({
    maxSize: deps.config.MAX_BULK_JSON_BYTES,
    onError: (c) =>
      errorResponse(
        c,
        413,
        "PAYLOAD_TOO_LARGE",
        `Bulk bodies are limited to ${deps.config.MAX_BULK_JSON_BYTES} bytes`,
      ),
  });
  // On POST only: a middleware for every method on a static path beside `/:id` is a route
  // Hono's RegExpRouter cannot express, and the whole app would fall back to the slower trie.
  app.on("POST", "/bulk", bulkLimit);
  app.on("POST", "/bulk-delete", bulkLimit);

  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      operationId: "listListings",
      summary: "List listings",
      security,
      request: { query: ListListingsInput },
      responses: { 200: json(ListingPage), ...authedErrors },
    }),
    async (c) => c.json(await listListings(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      operationId: "createListing",
      summary: "Create a listing",
      security,
      description:
        "Keys that are no listing field are ignored and named in `warnings` (code UNKNOWN_FIELD).",
      // Loose, so the verb sees the keys it ignores and can name them.
      request: { body: body(CreateListingInput.loose()) },
      responses: { 201: json(ListingWithChangeSet), ...authedErrors, ...conflict },
    }),
    async (c) => c.json(await createListing(coreContext(c, deps), c.req.valid("json")), 201),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/bulk",
      tags,
      operationId: "bulkUpsertListings",
      summary: "Create or update listings in bulk",
      security,
      description:
        "Creates or updates up to 10,000 listings in one change set; invalid rows (including rows that are not objects) are reported per index and valid rows still apply. A row with `version` updates only: when no listing matches it, the row fails with NOT_FOUND. Keys that are no listing field are ignored and named in the row's `warnings` (code UNKNOWN_FIELD).",
      request: { body: body(BulkUpsertInput) },
      responses: { 200: json(BulkUpsertResult), ...authedErrors, ...conflict },
    }),
    async (c) => c.json(await bulkUpsertListings(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/bulk-delete",
      tags,
      operationId: "bulkDeleteListings",
      summary: "Delete listings in bulk",
      security,
      request: { body: body(BulkDeleteInput) },
      responses: { 200: json(BulkDeleteResult), ...authedErrors },
    }),
    async (c) => c.json(await bulkDeleteListings(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      operationId: "getListing",
      summary: "Get a listing",
      security,
      request: { params: IdParam, query: z.object({ marketplace: Marketplace.optional() }) },
      responses: { 200: json(Listing), ...authedErrors },
    }),
    async (c) =>
      c.json(
        await getListing(
          coreContext(c, deps),
          c.req.valid("param").id,
          c.req.valid("query").marketplace,
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      operationId: "updateListing",
      summary: "Update a listing",
      security,
      description:
        "Send the `version` you last read; a stale one gets 409 VERSION_CONFLICT with the current row. Keys that are no listing field are ignored and named in `warnings` (code UNKNOWN_FIELD).",
      request: { params: IdParam, body: body(UpdateListingInput.loose()) },
      responses: { 200: json(ListingWithChangeSet), ...authedErrors, ...conflict },
    }),
    async (c) =>
      c.json(
        await updateListing(coreContext(c, deps), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      operationId: "deleteListing",
      summary: "Delete a listing",
      security,
      responses: { 200: json(Ok.extend({ changeSetId: z.uuid().nullable() })), ...authedErrors },
      request: { params: IdParam },
    }),
    async (c) => c.json(await deleteListing(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  return app;
}
