import { type Actor, type CoreContext, CoreError, clientErrorFromDb } from "@mbe/core";
import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import type { AppDeps } from "../http/deps";

/** What every procedure sees: the same CoreContext REST handlers build, plus the app's deps. */
export interface TrpcContext {
  core: CoreContext;
  deps: AppDeps;
  ip: string;
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const appCode =
      cause instanceof CoreError
        ? cause.code
        : error.code === "BAD_REQUEST"
          ? "VALIDATION_FAILED"
          : error.code;
    return {
      ...shape,
      // Unexpected failures can carry SQL and parameters in their message: never send those.
      message:
        error.code === "INTERNAL_SERVER_ERROR"
          ? "Something went wrong; the request id helps support find it"
          : shape.message,
      data: {
        ...shape.data,
        appCode,
        requestId: undefined as string | undefined,
        details: cause instanceof CoreError ? cause.details : undefined,
        stack: undefined,
      },
    };
  },
});

const STATUS_TO_TRPC: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_CONTENT",
  423: "FORBIDDEN",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
};

const mapErrors = t.middleware(async ({ next, ctx }) => {
  const res = await next();
  if (!res.ok) {
    const cause = clientErrorFromDb(res.error.cause) ?? res.error.cause;
    if (cause instanceof CoreError)
      throw new TRPCError({
        code: STATUS_TO_TRPC[cause.status] ?? "INTERNAL_SERVER_ERROR",
        message: cause.message,
        cause,
      });
    if (res.error.code === "INTERNAL_SERVER_ERROR")
      ctx.core.log.error({ err: res.error.cause?.stack ?? String(res.error) }, "trpc error");
  }
  return res;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
/** A procedure anyone may call (sign-in, sign-up, token refresh). */
export const publicProcedure = t.procedure.use(mapErrors);
/** A procedure that needs a signed-in seller or an API key. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.core.actor) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  return next({ ctx: { ...ctx, actor: ctx.core.actor as Actor } });
});
