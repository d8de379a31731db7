import type { OpenAPIHono } from "@hono/zod-openapi";
import { CoreError } from "@mbe/core";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { errorResponse } from "../http/errors";
import { authenticate, clientIp, coreContext, noStore, rateLimit } from "../http/middleware";
import { appRouter } from "./router";

/** The most calls one tRPC batch may carry (the console's batch link sends at most this many). */
export const TRPC_MAX_BATCH = 10;

/**
 * How many calls a tRPC request carries: a batch (`/trpc/a,b,c?batch=1`) names one procedure per
 * call. Counted up to one past the batch limit (tRPC refuses anything larger).
 */
export function trpcCalls(c: Context<AppEnv>): number {
  if (c.req.query("batch") !== "1") return 1;
  // tRPC decodes the path before splitting it, so an encoded comma separates calls too.
  const separators = c.req.path.match(/,|%2c/gi)?.length ?? 0;
  return Math.min(1 + separators, TRPC_MAX_BATCH + 1);
}

/** Serves the tRPC router at /trpc behind the same auth, limits and error model as REST. */
export function mountTrpc(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.use("/trpc/*", noStore);
  app.use(
    "/trpc/*",
    bodyLimit({
      maxSize: deps.config.MAX_BULK_JSON_BYTES,
      onError: (c) => errorResponse(c, 413, "PAYLOAD_TOO_LARGE", "Request body is too large"),
    }),
  );
  app.use("/trpc/*", authenticate(deps));
  app.use("/trpc/*", rateLimit(deps.rateLimits.api, "api", { cost: trpcCalls }));
  app.all("/trpc/*", (c) =>
    fetchRequestHandler({
      endpoint: "/trpc",
      req: c.req.raw,
      router: appRouter,
      // Each call of a batch counts against the rate limit; the batch's size is bounded too.
      maxBatchSize: TRPC_MAX_BATCH,
      createContext: () => ({ core: coreContext(c, deps), deps, ip: clientIp(c) }),
      // A limit a procedure applies itself (sign-in, uploads, exports) says when to come back.
      responseMeta: ({ errors }) => {
        for (const e of errors) {
          const wait = e.cause instanceof CoreError ? e.cause.retryAfterSeconds : undefined;
          if (typeof wait === "number") return { headers: { "Retry-After": String(wait) } };
        }
        return {};
      },
    }),
  );
}
