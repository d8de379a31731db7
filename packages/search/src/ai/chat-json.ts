import type OpenAI from "openai";
import type { z } from "zod";
import { SearchError } from "../errors";
import { isTransient, type RetryOptions, statusOf, withRetry } from "../openai/retry";

/** Options shared by the chat helpers. */
export interface ChatOptions {
  /** Chat model. Default gpt-4o-mini. */
  model?: string;
  retry?: RetryOptions;
  /** Per-request timeout in ms (overrides the client's). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One chat completion constrained to a JSON schema (structured output), parsed and validated
 * with zod. Throws AI_UNAVAILABLE (transient), AI_FAILED or AI_INVALID_OUTPUT.
 */
export async function chatJson<T>(
  client: OpenAI,
  args: {
    system: string;
    user: string;
    schemaName: string;
    jsonSchema: Record<string, unknown>;
    schema: z.ZodType<T>;
    maxTokens: number;
  },
  opts: ChatOptions = {},
): Promise<{ value: T; model: string }> {
  let completion: OpenAI.Chat.Completions.ChatCompletion;
  try {
    completion = await withRetry(
      () =>
        client.chat.completions.create(
          {
            model: opts.model ?? "gpt-4o-mini",
            temperature: 0.2,
            max_completion_tokens: args.maxTokens,
            messages: [
              { role: "system", content: args.system },
              { role: "user", content: args.user },
            ],
            response_format: {
              type: "json_schema",
              json_schema: { name: args.schemaName, strict: true, schema: args.jsonSchema },
            },
          },
          {
            ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
          },
        ),
      opts.retry,
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new SearchError(
      isTransient(err) ? "AI_UNAVAILABLE" : "AI_FAILED",
      `chat failed: ${message}`,
      {
        cause: err,
        status: statusOf(err),
      },
    );
  }
  const choice = completion.choices?.[0];
  const content = choice?.message?.content;
  if (choice?.message?.refusal) {
    throw new SearchError(
      "AI_INVALID_OUTPUT",
      `model refused: ${choice.message.refusal.slice(0, 200)}`,
    );
  }
  if (typeof content !== "string" || content.length === 0) {
    throw new SearchError("AI_INVALID_OUTPUT", "model returned no content");
  }
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (err) {
    throw new SearchError("AI_INVALID_OUTPUT", "model output is not JSON", { cause: err });
  }
  const parsed = args.schema.safeParse(json);
  if (!parsed.success) {
    throw new SearchError(
      "AI_INVALID_OUTPUT",
      `model output does not match the schema: ${parsed.error.issues
        .map((i) => `${i.path.join(".")} ${i.message}`)
        .join("; ")
        .slice(0, 300)}`,
    );
  }
  return { value: parsed.data, model: completion.model ?? opts.model ?? "" };
}

/** Cuts text to `max` characters at a word boundary when one is close, without a dangling space. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return (space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd();
}

/** Removes control characters (keeping newlines and tabs) and trims. */
export function cleanText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "").trim();
}
