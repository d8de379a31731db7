import type { DescribedEmbedder } from "./embedder";
import { LocalEmbedder } from "./local/local-embedder";
import { OpenAIEmbedder } from "./openai/openai-embedder";
import type { RetryOptions } from "./openai/retry";

/** What the app passes from its config; the key decides the provider. */
export interface CreateEmbedderOptions {
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  /** OpenAI embedding model; default text-embedding-3-small. */
  model?: string;
  /** OpenAI: shortened vectors; local: vector size (default 256). */
  dimensions?: number;
  timeoutMs?: number;
  retry?: RetryOptions;
}

/** OpenAI embeddings when a key is set, otherwise the offline local embedder. */
export function createEmbedder(opts: CreateEmbedderOptions = {}): DescribedEmbedder {
  const key = opts.openaiApiKey?.trim();
  if (key) {
    return new OpenAIEmbedder({
      apiKey: key,
      baseUrl: opts.openaiBaseUrl || undefined,
      model: opts.model,
      dimensions: opts.dimensions,
      timeoutMs: opts.timeoutMs,
      retry: opts.retry,
    });
  }
  return new LocalEmbedder({ dimensions: opts.dimensions });
}
