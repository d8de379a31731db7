import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEmbedder, LocalEmbedder, OpenAIEmbedder } from "../src";
import { type OpenAIStub, startOpenAIStub, stubVector } from "./testing";

let stub: OpenAIStub;
beforeAll(async () => {
  stub = await startOpenAIStub({ dimensions: 64 });
});
afterAll(async () => {
  await stub?.stop();
});
afterEach(() => {
  stub.reset();
});

const fastRetry = { baseDelayMs: 20, maxDelayMs: 2000, maxRetries: 3 };

function embedder(extra: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}) {
  return new OpenAIEmbedder({
    apiKey: "sk-test",
    baseUrl: stub.url,
    model: "stub-embed",
    dimensions: 64,
    retry: fastRetry,
    ...extra,
  });
}

function close(a: ArrayLike<number> | undefined, b: ArrayLike<number>): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (Math.abs((a[i] ?? 0) - (b[i] ?? 0)) > 1e-6) return false;
  return true;
}

describe("OpenAIEmbedder", () => {
  it("decodes base64 embeddings (the SDK default) in input order", async () => {
    const texts = ["red sofa", "12v battery", "gaming console"];
    const vectors = await embedder().embed(texts);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]?.body).toMatchObject({ encoding_format: "base64", input: texts });
    vectors.forEach((v, i) => {
      expect(close(v, stubVector(texts[i] ?? "", 64))).toBe(true);
    });
  });

  it("reads float embeddings too", async () => {
    const vectors = await embedder({ encodingFormat: "float" }).embed(["lamp"]);
    expect(stub.requests[0]?.body).toMatchObject({ encoding_format: "float" });
    expect(close(vectors[0], stubVector("lamp", 64))).toBe(true);
  });

  it("batches by input count and by estimated tokens", async () => {
    const texts = Array.from({ length: 25 }, (_, i) => `listing number ${i}`);
    const out = await embedder({ maxBatchInputs: 10 }).embed(texts);
    expect(out).toHaveLength(25);
    expect(stub.requests.map((r) => (r.body as { input: string[] }).input.length)).toEqual([
      10, 10, 5,
    ]);
    expect(close(out[24], stubVector("listing number 24", 64))).toBe(true);

    stub.requests.length = 0;
    const long = Array.from({ length: 4 }, (_, i) => `${"word ".repeat(300)}${i}`);
    await embedder({ maxBatchTokens: 1100 }).embed(long);
    // ~500 estimated tokens each: two per request.
    expect(stub.requests.map((r) => (r.body as { input: string[] }).input.length)).toEqual([2, 2]);
  });

  it("cuts inputs over the per-input token bound and replaces empty ones", async () => {
    await embedder({ maxInputTokens: 100 }).embed(["x".repeat(5000), ""]);
    const input = (stub.requests[0]?.body as { input: string[] } | undefined)?.input ?? [];
    expect(input[0]?.length).toBeLessThanOrEqual(300);
    expect(input[1]).toBe(" ");
  });

  it("retries 429 honouring Retry-After, then succeeds", async () => {
    stub.failNext(2, 429, { retryAfterMs: 150 });
    const start = Date.now();
    const out = await embedder().embed(["retry me"]);
    const elapsed = Date.now() - start;
    expect(out).toHaveLength(1);
    expect(stub.requests).toHaveLength(3);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    const gap = (stub.requests[1]?.at ?? 0) - (stub.requests[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(140);
  });

  it("honours Retry-After in seconds", async () => {
    stub.failNext(1, 429, { retryAfterSeconds: 1 });
    const start = Date.now();
    await embedder().embed(["slow down"]);
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
    expect(stub.requests).toHaveLength(2);
  });

  it("prefers retry-after-ms over Retry-After when both are sent", async () => {
    stub.failNext(1, 429);
    const start = Date.now();
    await embedder().embed(["both headers"]);
    const ms = Date.now() - start;
    expect(ms).toBeGreaterThanOrEqual(90);
    expect(ms).toBeLessThan(900);
  });

  it("retries 5xx with backoff and gives up with EMBEDDING_UNAVAILABLE", async () => {
    stub.failNext(4, 503);
    const err = await embedder()
      .embed(["down"])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "EMBEDDING_UNAVAILABLE", status: 503 });
    expect(stub.requests).toHaveLength(4);
  });

  it("does not retry client errors", async () => {
    stub.failNext(1, 400);
    const err = await embedder()
      .embed(["bad"])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "EMBEDDING_FAILED", status: 400 });
    expect(stub.requests).toHaveLength(1);
  });

  it("times out a hanging server instead of waiting", async () => {
    stub.setDelay(3000);
    const start = Date.now();
    const err = await embedder({ timeoutMs: 200, retry: { maxRetries: 0 } })
      .embed(["hang"])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "EMBEDDING_UNAVAILABLE" });
    expect(Date.now() - start).toBeLessThan(1500);
  });

  it("rejects vectors of the wrong size", async () => {
    const wrong = new OpenAIEmbedder({
      apiKey: "sk-test",
      baseUrl: stub.url,
      model: "stub-embed",
      dimensions: 32,
      retry: fastRetry,
    });
    // The stub honours `dimensions`, so ask for 32 but tell the embedder to expect 64.
    Object.defineProperty(wrong, "dimensions", { value: 64 });
    await expect(wrong.embed(["x"])).rejects.toMatchObject({ code: "EMBEDDING_FAILED" });
  });
});

describe("createEmbedder", () => {
  it("uses OpenAI when a key is set and describes it", async () => {
    const e = createEmbedder({ openaiApiKey: "sk-test", openaiBaseUrl: stub.url });
    expect(e).toBeInstanceOf(OpenAIEmbedder);
    expect(e.describe()).toEqual({
      provider: "openai",
      model: "text-embedding-3-small",
      dimensions: 1536,
    });
    expect(e.id).toBe("openai-text-embedding-3-small-1536");
    const [v] = await createEmbedder({
      openaiApiKey: "sk-test",
      openaiBaseUrl: stub.url,
      dimensions: 64,
    }).embed(["hello"]);
    expect(v).toHaveLength(64);
    expect(stub.requests[0]?.headers.authorization).toBe("Bearer sk-test");
  });

  it("falls back to the local embedder without a key", () => {
    const e = createEmbedder({ openaiApiKey: "  " });
    expect(e).toBeInstanceOf(LocalEmbedder);
    expect(e.describe()).toEqual({
      provider: "local",
      model: "hashed-lexicon-v1",
      dimensions: 256,
    });
    expect(stub.requests).toHaveLength(0);
  });
});
