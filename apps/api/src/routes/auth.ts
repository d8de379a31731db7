import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  ChangePasswordInput,
  ConfirmPasswordResetInput,
  changePassword,
  confirmPasswordReset,
  getMe,
  LoginInput,
  LogoutInput,
  login,
  logout,
  RefreshInput,
  RegisterInput,
  RequestPasswordResetInput,
  refreshSession,
  register,
  requestPasswordReset,
  UpdateMeInput,
  updateMe,
} from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { clientIp, coreContext, rateLimit } from "../http/middleware";
import {
  authedErrors,
  body,
  err,
  json,
  publicAuthErrors,
  security,
  sessionOnly,
} from "../openapi/route";
import { Ok, Session, TokenPair, User } from "../openapi/schemas";

const sessionOnlyForbidden = err(
  "Refused with an API key (FORBIDDEN): sessions are managed from a signed-in session",
);

/** /v1/auth: register, login, refresh rotation, logout, profile, password change and reset. */
export function authRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const loginLimit = rateLimit(deps.rateLimits.login, "login", {
    failClosed: true,
    key: (c) => `ip:${clientIp(c)}`,
  });
  app.use("/register", loginLimit);
  app.use("/login", loginLimit);
  app.use("/refresh", loginLimit);
  app.use("/password-reset", loginLimit);
  app.use("/password-reset/confirm", loginLimit);
  const tags = ["Auth"];

  app.openapi(
    createRoute({
      method: "post",
      path: "/register",
      tags,
      operationId: "register",
      summary: "Register a seller account",
      request: { body: body(RegisterInput) },
      responses: {
        201: json(Session, "Signed up and signed in"),
        ...publicAuthErrors,
        409: err("The email is already registered (EMAIL_TAKEN)"),
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
      summary: "Sign in with email and password",
      request: { body: body(LoginInput) },
      responses: {
        200: json(Session),
        ...publicAuthErrors,
        401: err(
          "Wrong email or password (INVALID_CREDENTIALS), or a malformed Authorization header",
        ),
        423: err(
          "Too many failed sign-ins; the account is locked for a while (ACCOUNT_LOCKED); see Retry-After",
        ),
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
      summary: "Refresh a session",
      request: { body: body(RefreshInput) },
      responses: {
        200: json(TokenPair),
        ...publicAuthErrors,
        401: err(
          "The refresh token is unknown, revoked (TOKEN_INVALID), expired (TOKEN_EXPIRED) or was already used (TOKEN_REUSED: every session of the family is revoked)",
        ),
      },
    }),
    async (c) => c.json(await refreshSession(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags,
      operationId: "logout",
      summary: "Sign out",
      description:
        "Revokes the current session, whose access token stops working at once, or every session of the account.",
      security: sessionOnly,
      request: { body: { ...body(LogoutInput), required: false } },
      responses: { 200: json(Ok), ...authedErrors, 403: sessionOnlyForbidden },
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
      summary: "Get the current user",
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
      summary: "Update the current user",
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
      summary: "Change the password",
      description: "Revokes every session of the account and returns a fresh one for this client.",
      security: sessionOnly,
      request: { body: body(ChangePasswordInput) },
      responses: {
        200: json(TokenPair, "Password changed; every other session revoked"),
        ...authedErrors,
        403: sessionOnlyForbidden,
      },
    }),
    async (c) => c.json(await changePassword(coreContext(c, deps), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/password-reset",
      tags,
      operationId: "requestPasswordReset",
      summary: "Request a password reset email",
      description:
        "Emails a single-use link to `PUBLIC_URL/reset-password?token=…`, valid 30 minutes. The answer is the same whether or not an account has this email.",
      request: { body: body(RequestPasswordResetInput) },
      responses: {
        202: json(Ok, "Accepted; a link is sent if the account exists"),
        ...publicAuthErrors,
      },
    }),
    async (c) =>
      c.json(
        await requestPasswordReset(coreContext(c, deps), c.req.valid("json"), {
          publicUrl: deps.config.PUBLIC_URL,
        }),
        202,
      ),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/password-reset/confirm",
      tags,
      operationId: "confirmPasswordReset",
      summary: "Reset the password with a reset token",
      description:
        "Sets a new password with the emailed token, signs out every session and clears a sign-in lockout.",
      request: { body: body(ConfirmPasswordResetInput) },
      responses: {
        200: json(Ok, "Password set; sign in with it"),
        ...publicAuthErrors,
        400: err(
          "Invalid input, or the token is unknown (RESET_TOKEN_INVALID), expired (RESET_TOKEN_EXPIRED) or used (RESET_TOKEN_USED)",
        ),
      },
    }),
    async (c) => c.json(await confirmPasswordReset(coreContext(c, deps), c.req.valid("json")), 200),
  );
  return app;
}
