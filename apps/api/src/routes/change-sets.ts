import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  GetChangeSetInput,
  getChangeSet,
  ListChangeSetsInput,
  listChangeSets,
  redoChangeSet,
  undoChangeSet,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext } from "../http/middleware";
import { authedErrors, conflict, json, security } from "../openapi/route";
import { ChangeSet, ChangeSetDetail, IdParam, pageOf, RevertResult } from "../openapi/schemas";

/** /v1/change-sets: history of every mutation with undo and redo. */
export function changeSetRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["Change sets"];
  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      operationId: "listChangeSets",
      summary: "List change sets",
      security,
      request: { query: ListChangeSetsInput },
      responses: { 200: json(pageOf(ChangeSet)), ...authedErrors },
    }),
    async (c) => c.json(await listChangeSets(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      operationId: "getChangeSet",
      summary: "Get a change set with its entries",
      security,
      request: { params: IdParam, query: GetChangeSetInput.omit({ id: true }) },
      responses: { 200: json(ChangeSetDetail), ...authedErrors },
    }),
    async (c) =>
      c.json(
        await getChangeSet(coreContext(c, deps), {
          ...c.req.valid("query"),
          id: c.req.valid("param").id,
        }),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/{id}/undo",
      tags,
      operationId: "undoChangeSet",
      summary: "Undo a change set",
      description:
        "Reverts every row as one transaction. 409 when the change set is already undone, or (VERSION_CONFLICT) when any of its rows changed since; nothing is then touched.",
      security,
      request: { params: IdParam },
      responses: { 200: json(RevertResult), ...authedErrors, ...conflict },
    }),
    async (c) => c.json(await undoChangeSet(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/{id}/redo",
      tags,
      operationId: "redoChangeSet",
      summary: "Redo a change set",
      description:
        "Re-applies an undone change set as one transaction. 409 when it is not undone, or (VERSION_CONFLICT) when any of its rows changed since; nothing is then touched.",
      security,
      request: { params: IdParam },
      responses: { 200: json(RevertResult), ...authedErrors, ...conflict },
    }),
    async (c) => c.json(await redoChangeSet(coreContext(c, deps), c.req.valid("param").id), 200),
  );
  return app;
}
