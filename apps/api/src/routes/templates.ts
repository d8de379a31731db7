import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  ApplyTemplateInput,
  applyTemplate,
  CreateTemplateInput,
  createTemplate,
  deleteTemplate,
  getTemplate,
  ListTemplatesInput,
  listTemplates,
  UpdateTemplateInput,
  updateTemplate,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext } from "../http/middleware";
import { authedErrors, body, conflict, json, security } from "../openapi/route";
import { BulkUpsertResult, IdParam, Ok, pageOf, Template } from "../openapi/schemas";

/** /v1/templates: reusable field values, private or public, applied as a change set. */
export function templateRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["Templates"];
  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      operationId: "listTemplates",
      summary: "List templates",
      description: "The caller's templates and every public one, most used first.",
      security,
      request: { query: ListTemplatesInput },
      responses: { 200: json(pageOf(Template)), ...authedErrors },
    }),
    async (c) => c.json(await listTemplates(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      operationId: "createTemplate",
      summary: "Create a template",
      security,
      request: { body: body(CreateTemplateInput) },
      responses: { 201: json(Template), ...authedErrors },
    }),
    async (c) => c.json(await createTemplate(coreContext(c, deps), c.req.valid("json")), 201),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      operationId: "getTemplate",
      summary: "Get a template",
      security,
      request: { params: IdParam },
      responses: { 200: json(Template), ...authedErrors },
    }),
    async (c) => c.json(await getTemplate(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      operationId: "updateTemplate",
      summary: "Update a template",
      security,
      request: { params: IdParam, body: body(UpdateTemplateInput) },
      responses: { 200: json(Template), ...authedErrors, ...conflict },
    }),
    async (c) =>
      c.json(
        await updateTemplate(coreContext(c, deps), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      operationId: "deleteTemplate",
      summary: "Delete a template",
      security,
      request: { params: IdParam },
      responses: { 200: json(Ok), ...authedErrors },
    }),
    async (c) => c.json(await deleteTemplate(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/{id}/apply",
      tags,
      operationId: "applyTemplate",
      summary: "Apply a template to listings",
      security,
      request: { params: IdParam, body: body(ApplyTemplateInput) },
      responses: { 200: json(BulkUpsertResult), ...authedErrors },
    }),
    async (c) =>
      c.json(
        await applyTemplate(coreContext(c, deps), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  );
  return app;
}
