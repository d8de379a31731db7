export {
  type AskCatalogOptions,
  askCatalog,
  type CatalogAnswer,
  type CatalogListing,
} from "./ai/ask-catalog";
export type { ChatOptions } from "./ai/chat-json";
export {
  type ListingSuggestion,
  MARKETPLACE_LIMITS,
  type Marketplace,
  type SuggestListingInput,
  type SuggestListingOptions,
  suggestListing,
} from "./ai/suggest-listing";
export { chromaCliPath } from "./chroma-cli";
export { type CreateEmbedderOptions, createEmbedder } from "./create-embedder";
export type {
  DescribedEmbedder,
  Embedder,
  EmbedderDescription,
  EmbedOptions,
} from "./embedder";
export { isSearchError, SearchError, type SearchErrorCode } from "./errors";
export { findDuplicateGroups } from "./index/duplicates";
export {
  type ActiveCollectionStore,
  type DuplicatesOptions,
  type IndexStatus,
  type QueryOptions,
  type RebuildHandle,
  type SearchDocument,
  type SearchFilters,
  type SearchHit,
  SearchIndex,
  type SearchIndexOptions,
  toSearchDocument,
} from "./index/search-index";
export { type ListingTextInput, listingText, MAX_LISTING_TEXT_CHARS } from "./listing-text";
export { LocalEmbedder, type LocalEmbedderOptions } from "./local/local-embedder";
export { createOpenAIClient, type OpenAIClientOptions } from "./openai/client";
export {
  OPENAI_EMBEDDING_DIMENSIONS,
  OpenAIEmbedder,
  type OpenAIEmbedderOptions,
} from "./openai/openai-embedder";
export type { RetryOptions } from "./openai/retry";
