import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  deactivateUser,
  ListUsersInput,
  listUsers,
  reactivateUser,
  systemStats,
  unlockUser,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext } from "../http/middleware";
import { authedErrors, json, security } from "../openapi/route";

const tags = ["Admin"];
const IdParam = z.object({ id: z.uuid() });
const AdminUser = z
  .object({
    id: z.string(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    role: z.string(),
    active: z.boolean(),
    locked: z.boolean(),
    failedLoginCount: z.number().int(),
    lockedUntil: z.string().nullable(),
    lastLoginAt: z.string().nullable(),
    createdAt: z.string(),
    listingCount: z.number().int(),
  })
  .openapi("AdminUser");

/** /v1/admin: sellers, unlock, deactivate/reactivate and system stats; administrators only. */
export function adminRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/users",
      tags,
      operationId: "adminListUsers",
      summary: "List user accounts",
      security,
      request: { query: ListUsersInput },
      responses: {
        200: json(z.object({ total: z.number().int(), items: z.array(AdminUser) })),
        ...authedErrors,
      },
    }),
    async (c) => c.json(await listUsers(coreContext(c, deps), c.req.valid("query")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/users/{id}/unlock",
      tags,
      operationId: "adminUnlockUser",
      summary: "Unlock a locked-out account",
      security,
      request: { params: IdParam },
      responses: {
        200: json(z.object({ id: z.string(), unlocked: z.boolean() })),
        ...authedErrors,
      },
    }),
    async (c) => c.json(await unlockUser(coreContext(c, deps), c.req.valid("param")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/users/{id}/deactivate",
      tags,
      operationId: "adminDeactivateUser",
      summary: "Deactivate an account",
      description: "Disables the account and revokes all of its sessions in one transaction.",
      security,
      request: { params: IdParam },
      responses: {
        200: json(
          z.object({ id: z.string(), active: z.boolean(), revokedSessions: z.number().int() }),
        ),
        ...authedErrors,
      },
    }),
    async (c) => c.json(await deactivateUser(coreContext(c, deps), c.req.valid("param")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/users/{id}/reactivate",
      tags,
      operationId: "adminReactivateUser",
      summary: "Reactivate an account",
      description: "Re-enables a deactivated account; its old sessions stay revoked.",
      security,
      request: { params: IdParam },
      responses: { 200: json(z.object({ id: z.string(), active: z.boolean() })), ...authedErrors },
    }),
    async (c) => c.json(await reactivateUser(coreContext(c, deps), c.req.valid("param")), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/stats",
      tags,
      operationId: "adminSystemStats",
      summary: "Get system statistics",
      security,
      responses: {
        200: json(
          z.object({
            users: z.object({
              total: z.number(),
              active: z.number(),
              admins: z.number(),
              locked: z.number(),
              newLast24h: z.number(),
            }),
            listings: z.object({ total: z.number() }),
            activityLast24h: z.object({
              changeSets: z.number(),
              auditEvents: z.number(),
              failedEvents: z.number(),
            }),
            activeSessions: z.number(),
            activeApiKeys: z.number(),
            time: z.string(),
          }),
        ),
        ...authedErrors,
      },
    }),
    async (c) => c.json(await systemStats(coreContext(c, deps)), 200),
  );
  return app;
}
