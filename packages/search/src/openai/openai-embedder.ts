import type OpenAI from "openai";
import type { DescribedEmbedder, EmbedderDescription, EmbedOptions } from "../embedder";
import { SearchError } from "../errors";
import { createOpenAIClient } from "./client";
import { isTransient, type RetryOptions, statusOf, withRetry } from "./retry";

/** Native sizes of OpenAI's embedding models. */
export const OPENAI_EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};

/** Options of the OpenAI embedder. Either `client` or `apiKey` is required. */
export interface OpenAIEmbedderOptions {
  client?: OpenAI;
  apiKey?: string;
  baseUrl?: string;
  /** Default text-embedding-3-small. */
  model?: string;
  /** Shortened vectors (text-embedding-3-* only); required for models not in the table. */
  dimensions?: number;
  /** Per-request timeout in ms when this embedder builds the client. Default 30000. */
  timeoutMs?: number;
  /** Inputs per request. Default 512 (OpenAI allows 2048). */
  maxBatchInputs?: number;
  /** Estimated tokens per request. Default 200000 (OpenAI allows 300000). */
  maxBatchTokens?: number;
  /** Estimated tokens per input before it is cut. Default 8000 (model limit 8191). */
  maxInputTokens?: number;
  /** Wire encoding; the SDK's default (base64) when omitted. */
  encodingFormat?: "float" | "base64";
  retry?: RetryOptions;
}

/** Conservative token estimate: ~3 UTF-8 bytes per token (English averages 4, CJK 3 per char). */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / 3) + 1;
}

function truncateToTokens(text: string, maxTokens: number): string {
  if (estimateTokens(text) <= maxTokens) return text;
  let end = Math.min(text.length, maxTokens * 3);
  while (end > 0 && estimateTokens(text.slice(0, end)) > maxTokens) end = Math.floor(end * 0.9);
  return text.slice(0, end);
}

/** Splits inputs into request batches bounded by count and by estimated tokens. */
export function planBatches(texts: string[], maxInputs: number, maxTokens: number): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let tokens = 0;
  for (const t of texts) {
    const n = estimateTokens(t);
    if (current.length > 0 && (current.length >= maxInputs || tokens + n > maxTokens)) {
      batches.push(current);
      current = [];
      tokens = 0;
    }
    current.push(t);
    tokens += n;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Embeddings through OpenAI's API (or any server speaking it), batched and retried. */
export class OpenAIEmbedder implements DescribedEmbedder {
  readonly id: string;
  readonly dimensions: number;
  readonly model: string;
  private readonly client: OpenAI;
  private readonly requestDimensions: number | undefined;
  private readonly opts: OpenAIEmbedderOptions;

  constructor(opts: OpenAIEmbedderOptions) {
    this.opts = opts;
    this.model = opts.model ?? "text-embedding-3-small";
    const native = OPENAI_EMBEDDING_DIMENSIONS[this.model];
    const dims = opts.dimensions ?? native;
    if (dims === undefined || !Number.isInteger(dims) || dims < 1 || dims > 8192) {
      throw new SearchError(
        "SEARCH_INVALID_INPUT",
        `unknown embedding model ${this.model}: pass its dimensions`,
      );
    }
    this.dimensions = dims;
    this.requestDimensions =
      opts.dimensions !== undefined && opts.dimensions !== native ? dims : undefined;
    if (opts.client) this.client = opts.client;
    else if (opts.apiKey) {
      this.client = createOpenAIClient({
        apiKey: opts.apiKey,
        baseUrl: opts.baseUrl,
        timeoutMs: opts.timeoutMs,
      });
    } else
      throw new SearchError("SEARCH_INVALID_INPUT", "OpenAI embedder needs a client or an apiKey");
    this.id = `openai-${this.model.toLowerCase().replace(/[^a-z0-9.-]+/g, "-")}-${dims}`;
  }

  /** Describes the provider for health checks. */
  describe(): EmbedderDescription {
    return { provider: "openai", model: this.model, dimensions: this.dimensions };
  }

  /** Embeds texts in order; throws EMBEDDING_UNAVAILABLE / EMBEDDING_FAILED. */
  async embed(texts: string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const maxInput = this.opts.maxInputTokens ?? 8000;
    // The API rejects empty strings; a space embeds as "nothing" without failing the batch.
    const inputs = texts.map((t) => truncateToTokens(String(t), maxInput) || " ");
    const batches = planBatches(
      inputs,
      this.opts.maxBatchInputs ?? 512,
      this.opts.maxBatchTokens ?? 200_000,
    );
    const out: Float32Array[] = [];
    for (const batch of batches) out.push(...(await this.embedBatch(batch, opts.signal)));
    return out;
  }

  private async embedBatch(batch: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    let response: Awaited<ReturnType<OpenAI["embeddings"]["create"]>>;
    try {
      response = await withRetry(
        () =>
          this.client.embeddings.create(
            {
              model: this.model,
              input: batch,
              ...(this.requestDimensions !== undefined
                ? { dimensions: this.requestDimensions }
                : {}),
              ...(this.opts.encodingFormat ? { encoding_format: this.opts.encodingFormat } : {}),
            },
            { signal },
          ),
        this.opts.retry,
        signal,
      );
    } catch (err) {
      const status = statusOf(err);
      const message = err instanceof Error ? err.message : String(err);
      throw new SearchError(
        isTransient(err) ? "EMBEDDING_UNAVAILABLE" : "EMBEDDING_FAILED",
        `embedding request failed: ${message}`,
        { cause: err, status },
      );
    }
    const rows = new Array<Float32Array | undefined>(batch.length);
    for (const item of response.data ?? []) {
      const v: unknown = item.embedding;
      const vector =
        v instanceof Float32Array
          ? v
          : typeof v === "string"
            ? decodeBase64Floats(v)
            : Array.isArray(v)
              ? Float32Array.from(v as number[])
              : undefined;
      if (vector === undefined || vector.length !== this.dimensions) {
        throw new SearchError(
          "EMBEDDING_FAILED",
          `embedding has ${vector?.length ?? 0} dimensions, expected ${this.dimensions}`,
        );
      }
      if (Number.isInteger(item.index) && item.index >= 0 && item.index < rows.length) {
        rows[item.index] = vector;
      }
    }
    const complete = rows.filter((r): r is Float32Array => r !== undefined);
    if (complete.length !== batch.length) {
      throw new SearchError(
        "EMBEDDING_FAILED",
        `embedding response had ${complete.length} vectors for ${batch.length} inputs`,
      );
    }
    return complete;
  }
}

/** Decodes OpenAI's base64 encoding (little-endian float32). */
export function decodeBase64Floats(b64: string): Float32Array {
  const buf = Buffer.from(b64, "base64");
  const out = new Float32Array(Math.floor(buf.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}
