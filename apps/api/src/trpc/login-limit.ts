import { CoreError } from "@mbe/core";
import type { TrpcContext } from "./init";

/**
 * The sign-in limit (per IP) for public auth procedures, as REST applies it to /v1/auth/login.
 * Without Redis it refuses rather than letting password guessing through unlimited.
 */
export async function loginLimit(ctx: Pick<TrpcContext, "deps" | "ip">): Promise<void> {
  const d = await ctx.deps.rateLimits.login.consume(`ip:${ctx.ip}`);
  if (d.unavailable)
    throw new CoreError(
      "SERVICE_UNAVAILABLE",
      "Sign-in is briefly unavailable; try again shortly",
      {
        retryAfterSeconds: d.resetSeconds,
      },
    );
  if (!d.allowed)
    throw new CoreError("RATE_LIMITED", `Too many attempts; retry in ${d.resetSeconds} s`, {
      retryAfterSeconds: d.resetSeconds,
    });
}
