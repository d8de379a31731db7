import OpenAI from "openai";

/** Options for an OpenAI (or OpenAI-compatible) client. */
export interface OpenAIClientOptions {
  apiKey: string;
  /** OPENAI_BASE_URL as configured by the app; the SDK default when omitted. */
  baseUrl?: string;
  /** Per-request timeout in ms. Default 30000. */
  timeoutMs?: number;
}

/**
 * Builds an OpenAI client with the SDK's own retries off: this package retries itself so the
 * policy (backoff, Retry-After, caps) is the same for embeddings and chat.
 */
export function createOpenAIClient(opts: OpenAIClientOptions): OpenAI {
  return new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseUrl,
    timeout: opts.timeoutMs ?? 30_000,
    maxRetries: 0,
  });
}
