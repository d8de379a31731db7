import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ListAuditLogsInput, listAuditLogs } from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext } from "../http/middleware";
import { authedErrors, json, security } from "../openapi/route";
import { AuditLog } from "../openapi/schemas";

/** /v1/audit-logs: every mutation and auth event of the caller (everyone's for admins). */
export function auditLogRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["Audit"],
      operationId: "listAuditLogs",
      summary: "List audit log entries",
      security,
      request: { query: ListAuditLogsInput },
      responses: {
        200: json(z.object({ items: z.array(AuditLog), nextCursor: z.string().nullable() })),
        ...authedErrors,
      },
    }),
    async (c) => c.json(await listAuditLogs(coreContext(c, deps), c.req.valid("query")), 200),
  );
  return app;
}
