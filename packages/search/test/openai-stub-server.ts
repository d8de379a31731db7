import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request the stub received (body parsed as JSON when possible). */
export interface StubRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  at: number;
}

/** Chat completion request body as the stub sees it. */
export interface StubChatRequest {
  model?: string;
  messages?: Array<{ role: string; content: unknown }>;
  response_format?: {
    type?: string;
    json_schema?: { name?: string; schema?: JsonSchema };
  };
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
}

/** Options of the stub server. */
export interface OpenAIStubOptions {
  /** Default vector size when the request has no `dimensions`. Default 1536. */
  dimensions?: number;
  /**
   * Content of the assistant message for a chat request: a string is sent as is, anything else as
   * JSON; undefined falls back to the default, an object shaped by the request's json_schema with
   * deterministic echo values.
   */
  chat?: (req: StubChatRequest) => unknown;
  /** Every response waits this long first (timeouts). Default 0. */
  delayMs?: number;
}

/** Handle on a running stub. */
export interface OpenAIStub {
  /** Base URL for the openai client (`baseURL`), ending in /v1. */
  url: string;
  requests: StubRequest[];
  /**
   * The next `n` requests fail with `status`. A 429 carries Retry-After (default: 1 s and
   * retry-after-ms 100, which clients that know the header prefer).
   */
  failNext(
    n: number,
    status: number,
    opts?: { retryAfterSeconds?: number; retryAfterMs?: number },
  ): void;
  /** Changes the delay before each response; with `match`, only before those it accepts. */
  setDelay(ms: number, match?: (req: StubRequest) => boolean): void;
  /** Forgets recorded requests and pending failures, and removes the delay. */
  reset(): void;
  stop(): Promise<void>;
}

/** Deterministic unit vector from a text (hash-seeded; similar texts are not similar). */
export function stubVector(text: string, dims: number): Float32Array {
  const out = new Float32Array(dims);
  let block = createHash("sha256").update(text).digest();
  let used = 0;
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    if (used + 2 > block.length) {
      block = createHash("sha256").update(block).digest();
      used = 0;
    }
    const v = (block.readUInt16LE(used) / 65535) * 2 - 1;
    used += 2;
    out[i] = v;
    norm += v * v;
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dims; i++) out[i] = (out[i] ?? 0) * inv;
  return out;
}

function lastUserText(req: StubChatRequest): string {
  const users = (req.messages ?? []).filter((m) => m.role === "user");
  const c = users[users.length - 1]?.content;
  return typeof c === "string" ? c : JSON.stringify(c ?? "");
}

function fill(schema: JsonSchema | undefined, key: string, seed: string): unknown {
  const type = Array.isArray(schema?.type) ? schema?.type[0] : schema?.type;
  if (schema?.enum && schema.enum.length > 0) return schema.enum[0];
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(schema?.properties ?? {})) out[k] = fill(s, k, seed);
      return out;
    }
    case "array":
      return [];
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    default:
      return `${key}: ${seed}`;
  }
}

/** The default chat answer: the requested JSON shape with echoed values, or an echo sentence. */
export function defaultChatContent(req: StubChatRequest): unknown {
  const echo = lastUserText(req).replace(/\s+/g, " ").slice(0, 60);
  const schema = req.response_format?.json_schema?.schema;
  if (req.response_format?.type === "json_schema" && schema) return fill(schema, "value", echo);
  if (req.response_format?.type === "json_object") return { echo };
  return `echo: ${echo}`;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * A real HTTP server on 127.0.0.1 speaking the parts of OpenAI's API this project uses
 * (embeddings, chat completions), so tests run the real openai client against it.
 */
export async function startOpenAIStub(opts: OpenAIStubOptions = {}): Promise<OpenAIStub> {
  const requests: StubRequest[] = [];
  const failures: Array<{ status: number; retryAfterSeconds?: number; retryAfterMs?: number }> = [];
  let delay = opts.delayMs ?? 0;
  let delayMatch: ((req: StubRequest) => boolean) | undefined;
  const defaultDims = opts.dimensions ?? 1536;

  const server = http.createServer(async (req, res) => {
    try {
      const raw = await readBody(req, 50 * 1024 * 1024);
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        // Kept as text: the assertions can still look at it.
      }
      const path = (req.url ?? "").split("?")[0] ?? "";
      const seen = { method: req.method ?? "", path, headers: req.headers, body, at: Date.now() };
      requests.push(seen);
      if (delay > 0 && (!delayMatch || delayMatch(seen)))
        await new Promise((r) => setTimeout(r, delay));
      if (res.destroyed) return;
      const failure = failures.shift();
      if (failure) {
        const headers: Record<string, string> = {};
        let { retryAfterSeconds, retryAfterMs } = failure;
        // Like OpenAI, a 429 always says when to come back (short by default to keep tests fast).
        if (
          failure.status === 429 &&
          retryAfterSeconds === undefined &&
          retryAfterMs === undefined
        ) {
          retryAfterSeconds = 1;
          retryAfterMs = 100;
        }
        if (retryAfterSeconds !== undefined) headers["retry-after"] = String(retryAfterSeconds);
        if (retryAfterMs !== undefined) headers["retry-after-ms"] = String(retryAfterMs);
        send(
          res,
          failure.status,
          {
            error: {
              message: `stub failure ${failure.status}`,
              type: failure.status === 429 ? "rate_limit_exceeded" : "server_error",
              code: null,
            },
          },
          headers,
        );
        return;
      }
      if (req.headers.authorization?.startsWith("Bearer ") !== true) {
        send(res, 401, {
          error: { message: "missing bearer token", type: "invalid_request_error" },
        });
        return;
      }
      if (req.method === "POST" && path === "/v1/embeddings") {
        const b = (body ?? {}) as {
          input?: unknown;
          model?: string;
          dimensions?: number;
          encoding_format?: string;
        };
        const inputs = Array.isArray(b.input) ? b.input : [b.input];
        if (inputs.length === 0 || inputs.some((i) => typeof i !== "string" || i === "")) {
          send(res, 400, {
            error: { message: "input must be non-empty strings", type: "invalid_request_error" },
          });
          return;
        }
        const dims = typeof b.dimensions === "number" ? b.dimensions : defaultDims;
        const base64 = b.encoding_format === "base64";
        const data = (inputs as string[]).map((text, index) => {
          const v = stubVector(text, dims);
          return {
            object: "embedding",
            index,
            embedding: base64
              ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64")
              : Array.from(v),
          };
        });
        const tokens = (inputs as string[]).reduce((s, t) => s + Math.ceil(t.length / 4), 0);
        send(res, 200, {
          object: "list",
          data,
          model: b.model ?? "text-embedding-3-small",
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        });
        return;
      }
      if (req.method === "POST" && path === "/v1/chat/completions") {
        const chatReq = (body ?? {}) as StubChatRequest;
        const answer = opts.chat?.(chatReq) ?? defaultChatContent(chatReq);
        const content = typeof answer === "string" ? answer : JSON.stringify(answer);
        send(res, 200, {
          id: `chatcmpl-stub-${requests.length}`,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: chatReq.model ?? "gpt-4o-mini",
          choices: [
            {
              index: 0,
              message: { role: "assistant", content, refusal: null },
              finish_reason: "stop",
              logprobs: null,
            },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
        });
        return;
      }
      send(res, 404, {
        error: { message: `no route ${req.method} ${path}`, type: "invalid_request_error" },
      });
    } catch (err) {
      if (!res.headersSent)
        send(res, 500, { error: { message: String(err), type: "server_error" } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext(n, status, o = {}) {
      for (let i = 0; i < n; i++) failures.push({ status, ...o });
    },
    setDelay(ms, match) {
      delay = ms;
      delayMatch = match;
    },
    reset() {
      requests.length = 0;
      failures.length = 0;
      delay = 0;
      delayMatch = undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
