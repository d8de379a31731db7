import { isSearchError } from "@mbe/search";
import type { CoreContext } from "../context";
import { enqueue } from "../enqueue";
import { CoreError } from "../errors";
import type { SearchPort } from "./port";
import { embedderRebuildJob } from "./reindex";

/**
 * The search port, or a 503 with a code when search is off on this server (disabled, or its store
 * failed to start). No Retry-After: that lasts until the server restarts, so trying again soon
 * does not help.
 */
export function requireSearch(ctx: CoreContext): SearchPort {
  if (!ctx.search)
    throw new CoreError("SEARCH_UNAVAILABLE", "Semantic search is off on this server");
  return ctx.search;
}

/** Search ports whose embedder mismatch was logged already: once per process is enough. */
const mismatchLogged = new WeakSet<SearchPort>();

/**
 * The index was built by another embedder and the worker refused to rebuild it for this server's:
 * the API and the worker are configured differently. Retrying does not help, so no Retry-After.
 */
function embedderMismatch(ctx: CoreContext, err: { details?: Record<string, string> }) {
  const indexEmbedder = err.details?.indexEmbedder ?? "another embedder";
  const apiEmbedder = err.details?.embedder ?? ctx.search?.index.embedderId ?? "its own";
  const message = `Search is unavailable: the search index was built with embedder ${indexEmbedder}, but this API server embeds queries with ${apiEmbedder}, and the worker will not rebuild it for ${apiEmbedder}. The API and the worker must be configured alike: both with the same OPENAI_API_KEY (and OPENAI_BASE_URL), or both without one.`;
  if (ctx.search && !mismatchLogged.has(ctx.search)) {
    mismatchLogged.add(ctx.search);
    ctx.log.warn({ indexEmbedder, apiEmbedder }, message);
  }
  return new CoreError("SEARCH_EMBEDDER_MISMATCH", message, {
    details: { indexEmbedder, apiEmbedder },
  });
}

/** Maps search-package failures to API errors (Chroma down → 503, never a 500). */
export async function searchCall<T>(ctx: CoreContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isSearchError(err)) throw err;
    switch (err.code) {
      case "SEARCH_INVALID_INPUT":
        throw new CoreError("VALIDATION_FAILED", err.message);
      case "SEARCH_NOT_FOUND":
        throw new CoreError("NOT_FOUND", "That listing is not in the search index yet");
      case "SEARCH_REBUILD_REQUIRED":
        // One rebuild for this embedder, waiting or running, serves every search meanwhile.
        if (ctx.queues && ctx.search) {
          const job = embedderRebuildJob(ctx.search.index.embedderId, "embedder-changed");
          await enqueue(ctx, ctx.queues.searchIndex, job.name, job.data, job.opts).catch(() => {});
        }
        throw new CoreError(
          "SEARCH_UNAVAILABLE",
          "The search index is being rebuilt; try again shortly",
          { retryAfterSeconds: 30 },
        );
      case "SEARCH_EMBEDDER_MISMATCH":
        throw embedderMismatch(ctx, err);
      case "SEARCH_REBUILD_CONFLICT":
        throw new CoreError("CONFLICT", err.message);
      case "AI_UNAVAILABLE":
      case "EMBEDDING_UNAVAILABLE":
        throw new CoreError("AI_UNAVAILABLE", "The AI service is unavailable; try again shortly", {
          retryAfterSeconds: 10,
        });
      case "AI_FAILED":
      case "AI_INVALID_OUTPUT":
      case "EMBEDDING_FAILED":
        throw new CoreError("AI_FAILED", err.message);
      default:
        throw new CoreError("SEARCH_UNAVAILABLE", "Semantic search is unavailable right now", {
          retryAfterSeconds: 10,
        });
    }
  }
}
