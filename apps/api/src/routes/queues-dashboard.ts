import { createHmac, timingSafeEqual } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { issueQueuesTicket, queuesSessionStands, redeemQueuesTicket } from "@mbe/core";
import { type Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { errorResponse } from "../http/errors";
import { coreContext } from "../http/middleware";
import { authedErrors, json } from "../openapi/route";

/** Where the dashboard lives; its cookie is scoped to this path. */
export const QUEUES_DASHBOARD_PATH = "/admin/queues";
const COOKIE = "mbe_queues";

/** The link that redeems a ticket in the browser (REST and tRPC hand out the same). */
export const queuesTicketUrl = (ticket: string) =>
  `${QUEUES_DASHBOARD_PATH}/session?ticket=${ticket}`;
const SESSION_SECONDS = 15 * 60;

function sign(secret: string, userId: string, sessionId: string, exp: number) {
  return createHmac("sha256", secret)
    .update(`queues-session:${userId}:${sessionId}:${exp}`)
    .digest("base64url");
}

/**
 * `<userId>.<sessionId>.<exp>.<hmac>`: any API replica accepts it until it expires, while the
 * console session it came from stays signed in.
 */
export function queuesSessionCookie(
  secret: string,
  userId: string,
  sessionId: string,
  now = Date.now(),
) {
  const exp = Math.floor(now / 1000) + SESSION_SECONDS;
  return `${userId}.${sessionId}.${exp}.${sign(secret, userId, sessionId, exp)}`;
}

/** The holder and console session of a genuine, unexpired session cookie; null otherwise. */
function validSession(
  secret: string,
  value: string | undefined,
): { userId: string; sessionId: string } | null {
  const [userId, sessionId, exp, sig] = value?.split(".") ?? [];
  if (
    !userId ||
    !sessionId ||
    !exp ||
    !sig ||
    !/^\d+$/.test(exp) ||
    Number(exp) < Date.now() / 1000
  )
    return null;
  const want = Buffer.from(sign(secret, userId, sessionId, Number(exp)));
  const got = Buffer.from(sig);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  return { userId, sessionId };
}

const isHttps = (c: Context<AppEnv>) =>
  c.req.url.startsWith("https:") || c.req.header("x-forwarded-proto") === "https";

/** POST /v1/admin/queues-ticket: an administrator trades the bearer token for a one-time link. */
export function queuesTicketRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "post",
      path: "/queues-ticket",
      tags: ["Admin"],
      operationId: "adminQueuesTicket",
      summary: "Issue a queues dashboard ticket",
      description:
        "A one-time link (valid 60 s) that opens the BullMQ dashboard at /admin/queues in a browser; signed-in administrators only.",
      security: [{ bearerAuth: [] }],
      responses: {
        200: json(z.object({ url: z.string(), expiresInSeconds: z.number().int() })),
        ...authedErrors,
      },
    }),
    async (c) => {
      const t = await issueQueuesTicket(coreContext(c, deps));
      return c.json(
        {
          url: queuesTicketUrl(t.ticket),
          expiresInSeconds: t.expiresInSeconds,
        },
        200,
      );
    },
  );
  return app;
}

/**
 * /admin/queues: the dashboard behind a short-lived HttpOnly, SameSite=Strict cookie that only
 * a redeemed ticket sets. Without a dashboard (tests, edge runtimes) it answers 404.
 */
export function queuesDashboardRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get("/session", async (c) => {
    const ticket = c.req.query("ticket") ?? "";
    const redeemed = await redeemQueuesTicket(coreContext(c, deps), ticket);
    if (!redeemed)
      return errorResponse(c, 401, "UNAUTHORIZED", "The link is used or expired; open it again");
    setCookie(c, COOKIE, queuesSessionCookie(deps.jwtSecret, redeemed.userId, redeemed.sessionId), {
      path: QUEUES_DASHBOARD_PATH,
      httpOnly: true,
      sameSite: "Strict",
      secure: isHttps(c),
      maxAge: SESSION_SECONDS,
    });
    c.header("Cache-Control", "no-store");
    return c.redirect(QUEUES_DASHBOARD_PATH, 302);
  });
  app.all("*", async (c) => {
    const held = validSession(deps.jwtSecret, getCookie(c, COOKIE));
    // The cookie proves who was an administrator when it was set; the role, the account and its
    // sessions are checked again on every request, so a demotion or sign-out ends access at once.
    if (!held || !(await queuesSessionStands(coreContext(c, deps), held.userId, held.sessionId)))
      return errorResponse(
        c,
        401,
        "UNAUTHORIZED",
        "Open the queues dashboard from the console's Administration screen",
      );
    // The cookie is SameSite=Strict; refusing foreign origins as well keeps the dashboard's
    // retry/clean/pause actions out of reach of other sites even in older browsers.
    const origin = c.req.header("origin");
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && origin) {
      const host = c.req.header("x-forwarded-host") ?? c.req.header("host");
      if (URL.parse(origin)?.host !== host)
        return errorResponse(c, 403, "FORBIDDEN", "Cross-site requests are refused");
    }
    if (!deps.queuesDashboard)
      return errorResponse(c, 404, "NOT_FOUND", "The queues dashboard is not available here");
    const res = await deps.queuesDashboard.fetch(c.req.raw, c.env);
    return res;
  });
  return app;
}
