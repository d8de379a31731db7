import type { OpenAPIHono } from "@hono/zod-openapi";
import { CoreError } from "@mbe/core";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { errorResponse } from "../http/errors";
import { authenticate, clientIp, coreContext, noStore, rateLimit } from "../http/middleware";
import { appRouter } from "./router";

/** The most calls one tRPC batch may carry (the console's batch link sends at most this many). */
export const TRPC_MAX_BATCH = 10;

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
  app.use("/trpc/*", rateLimit(deps.rateLimits.api, "api"));
  app.all("/trpc/*", (c) =>
    fetchRequestHandler({
      endpoint: "/trpc",
      req: c.req.raw,
      router: appRouter,
      // A batch counts as one request against the rate limit, so its size is bounded too.
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
