import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  ChangePasswordInput,
  changePassword,
  getMe,
  LoginInput,
  LogoutInput,
  login,
  logout,
  RefreshInput,
  RegisterInput,
  refreshSession,
  register,
  UpdateMeInput,
  updateMe,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { clientIp, coreContext, rateLimit } from "../http/middleware";
import { authedErrors, body, json, security } from "../openapi/route";
import { Ok, Session, TokenPair, User } from "../openapi/schemas";

/** /v1/auth: register, login, refresh rotation, logout, profile, password change. */
export function authRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const loginLimit = rateLimit(deps.rateLimits.login, "login", {
    failClosed: true,
    key: (c) => `ip:${clientIp(c)}`,
  });
  app.use("/register", loginLimit);
  app.use("/login", loginLimit);
  app.use("/refresh", loginLimit);
  const tags = ["Auth"];

  app.openapi(
    createRoute({
      method: "post",
      path: "/register",
      tags,
      operationId: "register",
      request: { body: body(RegisterInput) },
      responses: {
        201: json(Session, "Signed up and signed in"),
        409: authedErrors[404],
        400: authedErrors[400],
        429: authedErrors[429],
      },
    }),
    async (c) => c.json(await register(coreContext(c, deps), c.req.valid("json")), 201),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/login",
      tags,
      operationId: "login",
      request: { body: body(LoginInput) },
      responses: {
        200: json(Session),
        401: authedErrors[401],
        400: authedErrors[400],
        429: authedErrors[429],
      },
    }),
    async (c) => c.json(await login(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/refresh",
      tags,
      operationId: "refreshSession",
      request: { body: body(RefreshInput) },
      responses: { 200: json(TokenPair), 401: authedErrors[401], 400: authedErrors[400] },
    }),
    async (c) => c.json(await refreshSession(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags,
      operationId: "logout",
      security,
      request: { body: { ...body(LogoutInput), required: false } },
      responses: { 200: json(Ok), ...authedErrors },
    }),
    async (c) => {
      const input = c.req.header("content-type")?.includes("json")
        ? c.req.valid("json")
        : LogoutInput.parse({});
      return c.json(await logout(coreContext(c, deps), input), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/me",
      tags,
      operationId: "getMe",
      security,
      responses: { 200: json(User), ...authedErrors },
    }),
    async (c) => c.json(await getMe(coreContext(c, deps)), 200),
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/me",
      tags,
      operationId: "updateMe",
      security,
      request: { body: body(UpdateMeInput) },
      responses: { 200: json(User), ...authedErrors },
    }),
    async (c) => c.json(await updateMe(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/change-password",
      tags,
      operationId: "changePassword",
      security,
      request: { body: body(ChangePasswordInput) },
      responses: {
        200: json(TokenPair, "Password changed; every other session revoked"),
        ...authedErrors,
      },
    }),
    async (c) => c.json(await changePassword(coreContext(c, deps), c.req.valid("json")), 200),
  );
  return app;
}
