import {
  type ActiveCollectionStore,
  createEmbedder,
  createOpenAIClient,
  type EmbedderDescription,
  SearchIndex,
} from "@mbe/search";
import type OpenAI from "openai";

/** What search verbs use: the vector index, which embedder feeds it, and OpenAI when configured. */
export interface SearchPort {
  index: SearchIndex;
  embedder: EmbedderDescription;
  openai?: OpenAI;
}

/** Builds the search port from configuration the app parsed (packages never read the environment). */
export function createSearchPort(opts: {
  chromaUrl: string;
  activeStore: ActiveCollectionStore;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  prefix?: string;
  timeoutMs?: number;
  /** Bound on embedding a search query (OpenAI slow or rate limited → 503). Default 10000. */
  queryEmbedTimeoutMs?: number;
}): SearchPort {
  const embedder = createEmbedder({
    openaiApiKey: opts.openaiApiKey,
    openaiBaseUrl: opts.openaiBaseUrl,
  });
  const index = new SearchIndex({
    chromaUrl: opts.chromaUrl,
    embedder,
    store: opts.activeStore,
    prefix: opts.prefix,
    timeoutMs: opts.timeoutMs ?? 5000,
    queryEmbedTimeoutMs: opts.queryEmbedTimeoutMs,
  });
  const openai = opts.openaiApiKey
    ? createOpenAIClient({ apiKey: opts.openaiApiKey, baseUrl: opts.openaiBaseUrl })
    : undefined;
  return { index, embedder: embedder.describe(), openai };
}
