import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";

/** How transient OpenAI failures are retried. */
export interface RetryOptions {
  /** Attempts after the first one. Default 4. */
  maxRetries?: number;
  /** First backoff delay in ms, doubled per attempt (with jitter). Default 500. */
  baseDelayMs?: number;
  /** Upper bound on any single wait, including a server's Retry-After. Default 20000. */
  maxDelayMs?: number;
}

/** True for failures worth another attempt: 408, 409, 429, 5xx, timeouts, connection errors. */
export function isTransient(err: unknown): boolean {
  if (err instanceof APIConnectionError || err instanceof APIConnectionTimeoutError) return true;
  if (err instanceof APIError) {
    const s = err.status;
    return s === undefined || s === 408 || s === 409 || s === 429 || s >= 500;
  }
  return false;
}

/** Wait the server asked for (retry-after-ms, Retry-After seconds or HTTP date), if any. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  if (!(err instanceof APIError) || !err.headers) return undefined;
  const ms = err.headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms)))
    return Math.max(0, Number(ms));
  const ra = err.headers.get("retry-after");
  if (ra === null || ra.trim() === "") return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits `ms`, or less when `signal` aborts meanwhile. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Runs `fn`, retrying transient failures with exponential backoff and jitter; a server's
 * Retry-After wins over the computed delay (both capped by maxDelayMs). Once `signal` aborts, the
 * last failure is thrown instead of trying again.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  opts: RetryOptions = {},
  signal?: AbortSignal,
): Promise<T> {
  const maxRetries = opts.maxRetries ?? 4;
  const base = opts.baseDelayMs ?? 500;
  const cap = opts.maxDelayMs ?? 20_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= maxRetries || !isTransient(err) || signal?.aborted) throw err;
      const asked = retryAfterMs(err);
      const backoff = base * 2 ** attempt * (0.75 + Math.random() * 0.5);
      await sleep(Math.min(cap, asked ?? backoff), signal);
      if (signal?.aborted) throw err;
    }
  }
}

/** HTTP status of an OpenAI error, if it has one. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof APIError ? err.status : undefined;
}
