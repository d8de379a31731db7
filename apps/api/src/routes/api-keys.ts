import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  CreateApiKeyInput,
  createApiKey,
  ListApiKeysInput,
  listApiKeys,
  revokeApiKey,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext } from "../http/middleware";
import { authedErrors, body, err, json, security, sessionOnly } from "../openapi/route";
import { ApiKey, ApiKeyWithSecret, IdParam, Ok, pageOf } from "../openapi/schemas";

const keyRefused = err(
  "Refused with an API key (FORBIDDEN): keys are managed from a signed-in session",
);

/** /v1/api-keys: keys for integrations; the secret is shown once. */
export function apiKeyRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ["API keys"];
  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      operationId: "listApiKeys",
      summary: "List API keys",
      description:
        "The caller's keys, newest first, revoked ones included unless `status` says otherwise.",
      security,
      request: { query: ListApiKeysInput },
      responses: { 200: json(pageOf(ApiKey)), ...authedErrors },
    }),
    async (c) => c.json(await listApiKeys(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      operationId: "createApiKey",
      summary: "Create an API key",
      security: sessionOnly,
      request: { body: body(CreateApiKeyInput) },
      responses: {
        201: json(ApiKeyWithSecret, "Created; `secret` is shown only now"),
        ...authedErrors,
        403: keyRefused,
        409: err(
          "The account already holds the most unrevoked API keys it may (CONFLICT); revoke one first",
        ),
      },
    }),
    async (c) => c.json(await createApiKey(coreContext(c, deps), c.req.valid("json")), 201),
  );
  app.openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      operationId: "revokeApiKey",
      summary: "Revoke an API key",
      security: sessionOnly,
      request: { params: IdParam },
      responses: { 200: json(Ok), ...authedErrors, 403: keyRefused },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await revokeApiKey(coreContext(c, deps), id), 200);
    },
  );
  return app;
}
