import type { AppRouter } from "@mbe/api/trpc";
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  isNonJsonSerializable,
  splitLink,
  type TRPCClientError,
} from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { Session, type Tokens } from "./session";

/** Outputs/inputs of every procedure, for typing screens. */
export type Outputs = inferRouterOutputs<AppRouter>;
/** Inputs of every procedure (the same zod types the API validates). */
export type Inputs = inferRouterInputs<AppRouter>;
/** A tRPC error from this API (`data.appCode`, `data.details`). */
export type ApiError = TRPCClientError<AppRouter>;

/** Calls auth.refresh over plain fetch (no auth header, no retry loop). */
async function refreshCall(refreshToken: string): Promise<Tokens> {
  let res: Response;
  try {
    res = await fetch("/trpc/auth.refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refreshToken }),
    });
  } catch {
    throw Object.assign(new Error("Network error"), { code: "NETWORK_ERROR" });
  }
  const body = (await res.json().catch(() => null)) as {
    result?: { data?: Tokens };
    error?: { data?: { appCode?: string }; message?: string; code?: string };
  } | null;
  const data = body?.result?.data;
  if (res.ok && data) return data;
  const code =
    body?.error?.data?.appCode ??
    body?.error?.code ??
    (res.status >= 500 ? "NETWORK_ERROR" : "TOKEN_INVALID");
  throw Object.assign(new Error(body?.error?.message ?? "Refresh failed"), { code });
}

/** The one session of this tab. */
export const session = new Session(localStorage, refreshCall);

/**
 * fetch for tRPC that adds the access token, refreshes it first when stale, and on a 401 refreshes
 * once and retries — so a 15-minute token expiring mid-edit never loses the edit.
 */
export async function authedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = String(input);
  const isAuthless =
    /\/trpc\/(auth\.(login|register|refresh|passwordReset\.\w+)|system\.status)(\?|$)/.test(url);
  if (!isAuthless && session.stale && session.hasRefreshToken) await session.refresh();
  const send = () => {
    const headers = new Headers(init?.headers);
    if (session.accessToken && !isAuthless)
      headers.set("authorization", `Bearer ${session.accessToken}`);
    return fetch(input, { ...init, headers });
  };
  let res = await send();
  if (res.status === 401 && !isAuthless && session.hasRefreshToken) {
    if (await session.refresh()) res = await send();
  }
  return res;
}

/**
 * The typed tRPC client every screen uses. File uploads (FormData) cannot be batched as JSON, so
 * they go over a plain httpLink; everything else is batched.
 */
export const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => isNonJsonSerializable(op.input),
      true: httpLink({ url: "/trpc", fetch: authedFetch }),
      false: httpBatchLink({
        url: "/trpc",
        fetch: authedFetch,
        maxURLLength: 4000,
        // The API refuses larger batches (TRPC_MAX_BATCH).
        maxItems: 10,
      }),
    }),
  ],
});

/** Round-trip time of the last status poll, for the indicator. */
export async function pingStatus(): Promise<{ version: string; latencyMs: number }> {
  const t0 = performance.now();
  const r = await api.system.status.query();
  return { version: r.version, latencyMs: Math.round(performance.now() - t0) };
}
