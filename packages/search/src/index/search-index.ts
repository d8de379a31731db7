import { createHash } from "node:crypto";
import {
  ChromaClient,
  ChromaConnectionError,
  ChromaNotFoundError,
  ChromaServerError,
  ChromaUniqueError,
  type Collection,
  type Metadata,
  type Where,
} from "chromadb";
import { z } from "zod";
import type { Embedder } from "../embedder";
import { isSearchError, SearchError } from "../errors";
import { type ListingTextInput, listingText } from "../listing-text";
import { findDuplicateGroups } from "./duplicates";

/**
 * Where the name of the active generation lives (the app backs it with Redis). One atomic `set`
 * is the swap of a rebuild.
 */
export interface ActiveCollectionStore {
  get(): Promise<string | null>;
  set(name: string): Promise<void>;
}

/** One listing as stored in the index. */
export interface SearchDocument {
  id: string;
  /** Text to embed, usually `listingText(listing)`. */
  text: string;
  status?: string | null;
  category?: string | null;
  price?: number | string | null;
}

/** Metadata filters; all optional, combined with AND. */
export interface SearchFilters {
  status?: string | string[];
  category?: string;
  priceMin?: number;
  priceMax?: number;
}

/** One search result; score is cosine similarity (1 = same direction). */
export interface SearchHit {
  id: string;
  score: number;
}

/** Options of `query` / `similar`. */
export interface QueryOptions {
  /** Number of results, 1..100. Default 10. */
  k?: number;
  filters?: SearchFilters;
  /** Drop hits scoring below this. */
  minScore?: number;
  /**
   * Only these listings are candidates (at most 5000): their stored vectors are scored exactly
   * instead of searching the HNSW graph. For filters so selective that the database lists the
   * matching ids faster than Chroma's `where` finds them. Filters and the owner check still apply
   * to every hit; ids not in the index are skipped.
   */
  candidates?: string[];
}

/** Options of `duplicates`. */
export interface DuplicatesOptions {
  /** Cosine similarity at or above which listings count as duplicates. Default 0.95. */
  threshold?: number;
  /** Refuse owners with more indexed listings than this (memory bound). Default 200000. */
  maxListings?: number;
}

/** Construction options of SearchIndex; everything the app must pass in. */
export interface SearchIndexOptions {
  /** Chroma server URL, e.g. http://127.0.0.1:8000. */
  chromaUrl: string;
  embedder: Embedder;
  store: ActiveCollectionStore;
  /** Collection name prefix, [a-z0-9-]. Default "listings". */
  prefix?: string;
  /** Bound on every Chroma call; past it SEARCH_UNAVAILABLE is thrown. Default 5000. */
  timeoutMs?: number;
  /**
   * Bound on embedding a query, retries included; past it EMBEDDING_UNAVAILABLE is thrown and the
   * embedder's requests are aborted. Default 10000. (Index writes are not bounded: a job can wait
   * out a rate limit.)
   */
  queryEmbedTimeoutMs?: number;
  /** How long a read trusts the cached active generation. Default 1000. */
  activeCacheMs?: number;
  /** A rebuild started longer ago than this is considered abandoned. Default 6 h. */
  rebuildStaleAfterMs?: number;
  /**
   * HNSW settings of new collections. efConstruction defaults to 40 (FAISS's default): it cut
   * Chroma's indexing CPU by ~30% against Chroma's 100 at 50k listings.
   */
  hnsw?: { efConstruction?: number; maxNeighbors?: number; efSearch?: number };
  /** Records embedded and sent per Chroma write, 100..5000. Default 2500. */
  writeBatchSize?: number;
}

/** What a rebuild is writing into until it is committed. */
export interface RebuildHandle {
  readonly generation: string;
  /**
   * Embeds and writes into the new generation. Returns once the last batch is sent, so the caller
   * can read and embed the next page while Chroma inserts it; a failed write surfaces from the
   * next `upsert` or from `commit`.
   */
  upsert(ownerId: string, docs: SearchDocument[]): Promise<void>;
  /** Waits for the writes in flight; a failed one throws. */
  flush(): Promise<void>;
  /** Waits for the writes in flight, then swaps the generation in. */
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Index state for health checks and the reindex job. */
export interface IndexStatus {
  embedderId: string;
  active: string | null;
  /** Active generation was built by the current embedder (false = rebuild required). */
  compatible: boolean;
  building: string | null;
}

const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/;
const EMBEDDER_KEY_RE = /^[a-z0-9.-]{1,100}$/;
const PREFIX_RE = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const MAX_DOCS_PER_CALL = 20_000;
const MAX_CANDIDATES = 5000;
/**
 * Records per Chroma write request by default (Chroma's own cap is ~5400): at 100k listings 2500
 * cost Chroma ~11% less CPU than 1000, and still leaves the pipeline enough turns to overlap.
 */
const WRITE_CHUNK = 2500;
const MAX_QUERY_CHARS = 2000;
const MAX_TEXT_CHARS = 20_000;

const IdSchema = z
  .string()
  .min(1)
  .max(200)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
  .regex(/^[^\u0000-\u001f]+$/, "control characters");

const StatusSchema = z.string().min(1).max(32);
const FiltersSchema = z
  .object({
    status: z.union([StatusSchema, z.array(StatusSchema).min(1).max(10)]).optional(),
    category: z.string().min(1).max(300).optional(),
    priceMin: z.number().finite().optional(),
    priceMax: z.number().finite().optional(),
  })
  .strict();

const DocSchema = z.object({
  id: IdSchema,
  text: z.string().max(1_000_000),
  status: z.string().max(32).nullish(),
  category: z.string().max(300).nullish(),
  price: z.union([z.number(), z.string().max(40)]).nullish(),
});

interface Generation {
  name: string;
  embedderId: string;
  n: number;
}

/**
 * Marker metadata key saying when a rebuild for this embedder was refused by the processes that
 * build the index (they embed with another one).
 */
const refusedKey = (embedderId: string) => `refused-${embedderId}`;

/** Turns a listing row into a SearchDocument (price may be a numeric string from PostgreSQL). */
export function toSearchDocument(
  listing: ListingTextInput & {
    id: string;
    status?: string | null;
    price?: number | string | null;
  },
): SearchDocument {
  return {
    id: listing.id,
    text: listingText(listing),
    status: listing.status ?? null,
    category: listing.category ?? null,
    price: listing.price ?? null,
  };
}

function invalid(message: string): SearchError {
  return new SearchError("SEARCH_INVALID_INPUT", message);
}

function checkOwner(ownerId: unknown): string {
  if (typeof ownerId !== "string" || !OWNER_RE.test(ownerId)) {
    throw invalid("ownerId must be 1-64 letters, digits or dashes (a UUID)");
  }
  return ownerId;
}

function toNumberArray(v: Float32Array | number[]): number[] {
  return Array.isArray(v) ? v : Array.from(v);
}

function toFloat32(v: Float32Array | number[]): Float32Array {
  return v instanceof Float32Array ? v : Float32Array.from(v);
}

/** Little-endian float32 bytes in base64, the form Chroma's HTTP API takes for embeddings. */
function base64Vector(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}

/** Embeddings, ids and metadata of one batch, ready to write. */
interface PreparedBatch {
  ids: string[];
  embeddings: Float32Array[];
  metadatas: Metadata[];
}

/** What one batch writes into one generation: records to (re-)embed, and records whose text is unchanged. */
interface WritePlan {
  gen: Generation;
  full: PreparedBatch;
  /** Metadata-only updates, without the text hash (it stays the one written with the vector). */
  metaOnly: { ids: string[]; metadatas: Metadata[] };
}

/**
 * Metadata key holding a hash of the embedded text. A save that leaves the text as it was (a price
 * or status change) then updates the record's metadata instead of embedding it again: Chroma
 * re-inserts a changed vector into its graph at ~2 ms of CPU per record against ~0.2 ms for a
 * metadata update, and a remote embedder is not paid for the same text twice.
 */
const TEXT_HASH = "textHash";

function textHash(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}

/** Whether `current` already holds every key of `wanted` with the same value. */
function holds(current: Metadata, wanted: Metadata): boolean {
  for (const [k, v] of Object.entries(wanted)) if (current[k] !== v) return false;
  return true;
}

function priceOf(value: number | string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** The metadata stored with a listing's vector: owner, filterable fields and the text's hash. */
function metadataOf(owner: string, d: SearchDocument, text: string): Metadata {
  const m: Metadata = { ownerId: owner };
  const status = d.status?.trim();
  if (status) m.status = status;
  const category = d.category?.trim();
  if (category) m.category = category;
  const price = priceOf(d.price);
  if (price !== undefined) m.price = price;
  m[TEXT_HASH] = textHash(text);
  return m;
}

function matches(meta: Metadata | null | undefined, f: SearchFilters): boolean {
  if (!meta) return false;
  if (f.status !== undefined) {
    const wanted = Array.isArray(f.status) ? f.status : [f.status];
    if (typeof meta.status !== "string" || !wanted.includes(meta.status)) return false;
  }
  if (f.category !== undefined && meta.category !== f.category) return false;
  if (f.priceMin !== undefined || f.priceMax !== undefined) {
    const p = meta.price;
    if (typeof p !== "number") return false;
    if (f.priceMin !== undefined && p < f.priceMin) return false;
    if (f.priceMax !== undefined && p > f.priceMax) return false;
  }
  return true;
}

/** How many records a selective filter may leave for them all to be scored exactly. */
const EXACT_FILTERED_MAX = 1000;

function whereOf(f: SearchFilters): Where | undefined {
  const parts: Where[] = [];
  if (f.status !== undefined) {
    parts.push(Array.isArray(f.status) ? { status: { $in: f.status } } : { status: f.status });
  }
  if (f.category !== undefined) parts.push({ category: f.category });
  if (f.priceMin !== undefined) parts.push({ price: { $gte: f.priceMin } });
  if (f.priceMax !== undefined) parts.push({ price: { $lte: f.priceMax } });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { $and: parts };
}

function hasFilters(f: SearchFilters): boolean {
  return (
    f.status !== undefined ||
    f.category !== undefined ||
    f.priceMin !== undefined ||
    f.priceMax !== undefined
  );
}

/**
 * Listing search over Chroma, isolated per seller by construction:
 * - every method takes the ownerId first and each seller's vectors live in their own collection
 *   (`<generation>_<ownerId>`), so a query cannot reach another seller's documents whatever the
 *   filters say; filters are typed values, never a raw Chroma `where`;
 * - every document also carries `ownerId` metadata, and every hit is checked against it before
 *   it is returned.
 * Generations (`<prefix>_<embedderId>_<n>`) make rebuilds atomic and keep vectors of different
 * embedders apart.
 */
export class SearchIndex {
  readonly prefix: string;
  private readonly client: ChromaClient;
  private readonly embedder: Embedder;
  private readonly store: ActiveCollectionStore;
  private readonly timeoutMs: number;
  private readonly queryEmbedTimeoutMs: number;
  private readonly activeCacheMs: number;
  private readonly staleAfterMs: number;
  private readonly embedderKey: string;
  private readonly hnsw: { ef_construction: number; max_neighbors?: number; ef_search?: number };
  private activeCache: { value: string | null; at: number } | undefined;
  private readonly handles = new Map<string, Collection>();
  private readonly baseUrl: string;
  private readonly writeBatch: number;
  private base64: Promise<boolean> | undefined;

  constructor(opts: SearchIndexOptions) {
    let url: URL;
    try {
      url = new URL(opts.chromaUrl);
    } catch {
      throw invalid(`chromaUrl is not a URL: ${opts.chromaUrl}`);
    }
    const ssl = url.protocol === "https:";
    this.baseUrl = url.origin;
    this.client = new ChromaClient({
      host: url.hostname,
      port: Number(url.port || (ssl ? 443 : 80)),
      ssl,
    });
    this.prefix = opts.prefix ?? "listings";
    if (!PREFIX_RE.test(this.prefix)) throw invalid("prefix must be [a-z0-9-], 1-32 chars");
    this.embedder = opts.embedder;
    this.embedderKey = opts.embedder.id.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
    this.store = opts.store;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.queryEmbedTimeoutMs = opts.queryEmbedTimeoutMs ?? 10_000;
    this.activeCacheMs = opts.activeCacheMs ?? 1000;
    this.staleAfterMs = opts.rebuildStaleAfterMs ?? 6 * 3600_000;
    this.writeBatch = opts.writeBatchSize ?? WRITE_CHUNK;
    if (!Number.isInteger(this.writeBatch) || this.writeBatch < 100 || this.writeBatch > 5000) {
      throw invalid("writeBatchSize must be an integer 100..5000");
    }
    const h = opts.hnsw ?? {};
    for (const v of [h.efConstruction, h.maxNeighbors, h.efSearch]) {
      if (v !== undefined && (!Number.isInteger(v) || v < 2 || v > 1000)) {
        throw invalid("hnsw settings must be integers 2..1000");
      }
    }
    this.hnsw = {
      ef_construction: h.efConstruction ?? 40,
      ...(h.maxNeighbors !== undefined ? { max_neighbors: h.maxNeighbors } : {}),
      ...(h.efSearch !== undefined ? { ef_search: h.efSearch } : {}),
    };
  }

  /** Which embedder's generations this index reads and builds (part of every collection name). */
  get embedderId(): string {
    return this.embedderKey;
  }

  // ---------- reads ----------

  /** Top-k listings of this owner for a natural-language query. */
  async query(ownerId: string, text: string, opts: QueryOptions = {}): Promise<SearchHit[]> {
    const owner = checkOwner(ownerId);
    if (typeof text !== "string") throw invalid("query text must be a string");
    const q = text.trim().slice(0, MAX_QUERY_CHARS);
    const { k, filters, minScore, candidates } = this.checkQueryOptions(opts);
    if (q === "" || candidates?.length === 0) return [];
    return this.onReadable(async (gen) => {
      const col = await this.ownerCollection(gen, owner, false);
      if (!col) return [];
      const vec = await this.embedQuery(q);
      return this.knn(col, owner, vec, k, filters, minScore, undefined, candidates);
    });
  }

  /** Listings of this owner most similar to one of their listings (itself excluded). */
  async similar(ownerId: string, id: string, opts: QueryOptions = {}): Promise<SearchHit[]> {
    const owner = checkOwner(ownerId);
    const docId = this.parse(IdSchema, id, "id");
    const { k, filters, minScore, candidates } = this.checkQueryOptions(opts);
    if (candidates?.length === 0) return [];
    return this.onReadable(async (gen) => {
      const col = await this.ownerCollection(gen, owner, false);
      const got = col
        ? await this.call("get", () =>
            col.get({ ids: [docId], include: ["embeddings", "metadatas"] }),
          )
        : undefined;
      const vec = got?.embeddings?.[0];
      if (!col || !got || !vec || got.metadatas?.[0]?.ownerId !== owner) {
        throw new SearchError("SEARCH_NOT_FOUND", `listing ${docId} is not in the index`);
      }
      return this.knn(col, owner, Array.from(vec), k, filters, minScore, docId, candidates);
    });
  }

  /** Number of this owner's listings in the active index. */
  async count(ownerId: string): Promise<number> {
    const owner = checkOwner(ownerId);
    return this.onReadable(async (gen) => {
      const col = await this.ownerCollection(gen, owner, false);
      return col ? this.call("count", () => col.count()) : 0;
    });
  }

  /** Groups of this owner's listing ids whose vectors are near-identical. */
  async duplicates(ownerId: string, opts: DuplicatesOptions = {}): Promise<string[][]> {
    const owner = checkOwner(ownerId);
    const threshold = opts.threshold ?? 0.95;
    if (!(threshold > 0 && threshold <= 1)) throw invalid("threshold must be in (0, 1]");
    const max = opts.maxListings ?? 200_000;
    return this.onReadable(async (gen) => {
      const col = await this.ownerCollection(gen, owner, false);
      if (!col) return [];
      const total = await this.call("count", () => col.count());
      if (total > max) throw invalid(`owner has ${total} indexed listings, more than ${max}`);
      // Ids first (cheap), then vectors by id: paging with a growing offset made Chroma rescan.
      const listed = await this.call("get", () => col.get({ limit: total, include: [] }));
      const ids: string[] = [];
      const vectors: Float32Array[] = [];
      const page = 2000;
      for (let i = 0; i < listed.ids.length; i += page) {
        const chunk = listed.ids.slice(i, i + page);
        const got = await this.call("get", () =>
          col.get({ ids: chunk, include: ["embeddings", "metadatas"] }),
        );
        got.ids.forEach((id, j) => {
          const v = got.embeddings?.[j];
          if (v && got.metadatas?.[j]?.ownerId === owner) {
            ids.push(id);
            vectors.push(Float32Array.from(v));
          }
        });
      }
      return findDuplicateGroups(vectors, { threshold }).map((g) =>
        g.map((i) => ids[i] ?? "").sort(),
      );
    });
  }

  /**
   * Active/building generations and whether the active one matches the embedder. When the store
   * holds no name (Redis restarted empty) but Chroma keeps a generation a rebuild completed, that
   * one is adopted as the active one: the index is there, and rebuilding it would only repeat it.
   */
  async status(): Promise<IndexStatus> {
    let active = await this.readActive(true);
    if (active === null) {
      const kept = await this.newestActiveGeneration(true);
      if (kept) {
        await this.setActive(kept);
        active = kept;
      }
    }
    const gen = active ? this.parseGeneration(active) : undefined;
    const building = await this.buildingGeneration(gen?.n ?? 0);
    return {
      embedderId: this.embedderKey,
      active,
      compatible: gen !== undefined && gen.embedderId === this.embedderKey,
      building: building ?? null,
    };
  }

  /**
   * Records on the active generation that the processes building this index embed otherwise than
   * `embedderId` and will not rebuild it for that one (the worker's answer to a rebuild asked for
   * by a process configured differently). A reader with that embedder then reports the mismatch
   * instead of waiting for a rebuild that is never coming. The record goes with the generation: the
   * next one swapped in starts without it.
   */
  async refuseEmbedder(embedderId: string): Promise<void> {
    if (typeof embedderId !== "string" || !EMBEDDER_KEY_RE.test(embedderId)) {
      throw invalid("embedderId must be 1-100 of [a-z0-9.-]");
    }
    if (embedderId === this.embedderKey) throw invalid("an index cannot refuse its own embedder");
    const active = await this.readActive(true);
    const marker = active ? await this.getCollection(active) : undefined;
    if (!marker) return;
    const key = refusedKey(embedderId);
    if (marker.metadata?.[key] !== undefined && marker.metadata?.[key] !== null) return;
    await this.call("modify", () =>
      marker.modify({ metadata: { ...(marker.metadata ?? {}), [key]: Date.now() } }),
    );
  }

  // ---------- writes ----------

  /**
   * Inserts or replaces this owner's listings (at most 20000 per call). During a rebuild the
   * write also goes to the generation being built, so edits made meanwhile are not lost.
   */
  async upsert(ownerId: string, docs: SearchDocument[]): Promise<void> {
    const owner = checkOwner(ownerId);
    const valid = this.checkDocs(docs);
    if (valid.length === 0) return;
    const { written } = await this.embedAndSend(
      await this.writeTargets(),
      owner,
      valid,
      Promise.resolve(),
      true,
    );
    await written;
  }

  /** Removes this owner's listings by id (ids of other owners are untouched by construction). */
  async remove(ownerId: string, ids: string[]): Promise<void> {
    const owner = checkOwner(ownerId);
    if (!Array.isArray(ids) || ids.length > MAX_DOCS_PER_CALL) {
      throw invalid(`ids must be an array of at most ${MAX_DOCS_PER_CALL}`);
    }
    const valid = [...new Set(ids.map((id) => this.parse(IdSchema, id, "id")))];
    if (valid.length === 0) return;
    for (const gen of await this.writeTargets()) {
      const col = await this.ownerCollection(gen, owner, false);
      if (!col) continue;
      try {
        for (let i = 0; i < valid.length; i += WRITE_CHUNK) {
          const chunk = valid.slice(i, i + WRITE_CHUNK);
          // No `where` here: Chroma evaluates it over the whole collection (5 s for 200 ids at
          // 20k records); the collection is this owner's alone, which is the isolation.
          await this.call("delete", () => col.delete({ ids: chunk }));
        }
      } catch (err) {
        if (!(err instanceof ChromaNotFoundError)) throw err;
        // The collection was dropped meanwhile (swap or owner removal): nothing left to delete.
        this.handles.delete(this.ownerCollectionName(gen, owner));
      }
    }
  }

  /** Deletes everything indexed for this owner, in every generation (account deletion). */
  async removeOwner(ownerId: string): Promise<void> {
    const owner = checkOwner(ownerId);
    const names = await this.listNames();
    for (const name of names) {
      if (name.startsWith(`${this.prefix}_`) && name.endsWith(`_${owner}`)) {
        await this.dropCollection(name);
      }
    }
  }

  // ---------- rebuild ----------

  /**
   * Starts a new generation for the current embedder; feed it with the handle, then commit.
   * Throws SEARCH_REBUILD_CONFLICT if another live rebuild exists (pass force to replace it).
   */
  async beginRebuild(opts: { force?: boolean } = {}): Promise<RebuildHandle> {
    // Numbered after the generation Chroma holds even when the store lost its name, so the commit
    // (which checks it follows the active one) can succeed.
    const active = (await this.readActive(true)) ?? (await this.bootstrap());
    const n = (this.parseGeneration(active)?.n ?? 0) + 1;
    const name = `${this.prefix}_${this.embedderKey}_${n}`;
    const existing = await this.getCollection(name);
    if (existing) {
      const started = Number(existing.metadata?.startedAt ?? 0);
      if (!opts.force && Date.now() - started < this.staleAfterMs) {
        throw new SearchError("SEARCH_REBUILD_CONFLICT", `rebuild ${name} is already running`);
      }
      await this.dropGeneration(name);
    }
    try {
      await this.call("createCollection", () =>
        this.client.createCollection({
          name,
          embeddingFunction: null,
          metadata: { state: "building", startedAt: Date.now(), embedder: this.embedderKey },
        }),
      );
    } catch (err) {
      if (err instanceof ChromaUniqueError) {
        throw new SearchError("SEARCH_REBUILD_CONFLICT", `rebuild ${name} was just started`);
      }
      throw err;
    }
    return this.rebuildHandle(name);
  }

  /** A handle on a rebuild started elsewhere (e.g. by an earlier job attempt). */
  rebuildHandle(generation: string): RebuildHandle {
    const gen = this.parseGeneration(generation);
    if (!gen || gen.embedderId !== this.embedderKey) {
      throw invalid(`${generation} is not a generation of this index and embedder`);
    }
    let inFlight: Promise<void> = Promise.resolve();
    return {
      generation,
      upsert: async (ownerId, docs) => {
        const owner = checkOwner(ownerId);
        const valid = this.checkDocs(docs);
        if (valid.length === 0) return;
        const { written } = await this.embedAndSend([gen], owner, valid, inFlight);
        inFlight = written;
      },
      flush: () => inFlight,
      commit: async () => {
        await inFlight;
        await this.commitRebuild(generation);
      },
      abort: async () => {
        await inFlight.catch(() => undefined);
        await this.abortRebuild(generation);
      },
    };
  }

  /** Makes a fed rebuild the active generation in one store write, then drops the old ones. */
  async commitRebuild(generation: string): Promise<void> {
    const gen = this.parseGeneration(generation);
    if (!gen || gen.embedderId !== this.embedderKey) throw invalid(`bad generation ${generation}`);
    const marker = await this.getCollection(generation);
    if (marker?.metadata?.state !== "building") {
      throw new SearchError(
        "SEARCH_REBUILD_CONFLICT",
        `${generation} is not a rebuild in progress`,
      );
    }
    const active = await this.readActive(true);
    const activeN = active ? (this.parseGeneration(active)?.n ?? 0) : 0;
    if (activeN + 1 !== gen.n) {
      throw new SearchError(
        "SEARCH_REBUILD_CONFLICT",
        `active generation moved to ${active} since ${generation} began`,
      );
    }
    await this.setActive(generation);
    // The swap is done once the store points here: the marker state is informational, and old
    // generations left behind by a failure below are dropped by the next commit.
    // `completedAt` says a rebuild wrote every listing into it: a store that loses the name later
    // (Redis restarted empty) adopts this generation instead of rebuilding it.
    await this.call("modify", () =>
      marker.modify({
        metadata: {
          state: "active",
          startedAt: Number(marker.metadata?.startedAt ?? 0),
          embedder: this.embedderKey,
          completedAt: Date.now(),
        },
      }),
    ).catch(() => undefined);
    for (const name of await this.listNames()) {
      const g = this.generationOf(name);
      if (g && g !== generation) await this.dropCollection(name);
    }
  }

  /** Drops a rebuild that will not be committed. */
  async abortRebuild(generation: string): Promise<void> {
    if (!this.parseGeneration(generation)) throw invalid(`bad generation ${generation}`);
    if ((await this.readActive(true)) === generation) {
      throw new SearchError("SEARCH_REBUILD_CONFLICT", `${generation} is the active generation`);
    }
    await this.dropGeneration(generation);
  }

  // ---------- internals ----------

  private checkQueryOptions(opts: QueryOptions): {
    k: number;
    filters: SearchFilters;
    minScore: number | undefined;
    candidates: string[] | undefined;
  } {
    const k = opts.k ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > 100) throw invalid("k must be an integer 1..100");
    const filters = this.parse(FiltersSchema, opts.filters ?? {}, "filters") as SearchFilters;
    const minScore = opts.minScore;
    if (minScore !== undefined && !Number.isFinite(minScore))
      throw invalid("minScore must be finite");
    let candidates: string[] | undefined;
    if (opts.candidates !== undefined) {
      if (!Array.isArray(opts.candidates) || opts.candidates.length > MAX_CANDIDATES) {
        throw invalid(`candidates must be an array of at most ${MAX_CANDIDATES} ids`);
      }
      candidates = [...new Set(opts.candidates.map((id) => this.parse(IdSchema, id, "id")))];
    }
    return { k, filters, minScore, candidates };
  }

  private parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
    const r = schema.safeParse(value);
    if (!r.success) {
      throw invalid(
        `${what}: ${r.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
      );
    }
    return r.data;
  }

  private checkDocs(docs: SearchDocument[]): SearchDocument[] {
    if (!Array.isArray(docs) || docs.length > MAX_DOCS_PER_CALL) {
      throw invalid(`docs must be an array of at most ${MAX_DOCS_PER_CALL}`);
    }
    const byId = new Map<string, SearchDocument>();
    for (const d of docs) byId.set(d?.id, this.parse(DocSchema, d, "doc") as SearchDocument);
    // Last write wins for repeated ids: Chroma rejects duplicate ids in one request.
    return [...byId.values()];
  }

  /**
   * Embeds and writes in chunks, pipelined: while Chroma inserts chunk n (in its own process),
   * chunk n+1 is embedded here. A failure leaves the chunks before it written, which is harmless
   * because every write is an upsert and callers retry the whole call. Returns as soon as the
   * last chunk is sent: `written` settles when Chroma has it. `before` is a write still in flight
   * from an earlier call, awaited before this call's first write. (Wrapped in an object: an async
   * function would otherwise adopt the promise and wait for it.) With `skipUnchanged`, records
   * whose text each generation already holds get their metadata updated instead (saves; a
   * rebuild's fresh generation holds nothing, so it does not ask).
   */
  private async embedAndSend(
    targets: Generation[],
    owner: string,
    docs: SearchDocument[],
    before: Promise<void>,
    skipUnchanged = false,
  ): Promise<{ written: Promise<void> }> {
    let pending = before;
    try {
      for (let i = 0; i < docs.length; i += this.writeBatch) {
        const chunk = docs.slice(i, i + this.writeBatch);
        const plans = await this.plan(targets, owner, chunk, skipUnchanged);
        await pending;
        pending = (async () => {
          for (const plan of plans) await this.writePlan(plan, owner);
        })();
        // Awaited by the next turn, the catch or the caller; this only keeps a failure that
        // happens meanwhile from counting as unhandled.
        pending.catch(() => undefined);
      }
    } catch (err) {
      await pending.catch(() => undefined);
      throw err;
    }
    return { written: pending };
  }

  /**
   * A query's vector within queryEmbedTimeoutMs: a search waits for it, so an embedding service
   * that is slow or keeps asking to retry later must not hold the request for minutes.
   */
  private async embedQuery(q: string): Promise<number[]> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(
          new SearchError(
            "EMBEDDING_UNAVAILABLE",
            `query embedding timed out after ${this.queryEmbedTimeoutMs} ms`,
          ),
        );
      }, this.queryEmbedTimeoutMs);
    });
    try {
      const [vec] = await Promise.race([
        this.embedder.embed([q], { signal: abort.signal }),
        timeout,
      ]);
      if (!vec) throw new SearchError("SEARCH_FAILED", "embedder returned no vector");
      return toNumberArray(vec);
    } finally {
      clearTimeout(timer);
    }
  }

  private async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const vectors = await this.embedder.embed(texts);
    if (vectors.length !== texts.length) {
      throw new SearchError("SEARCH_FAILED", "embedder returned a different number of vectors");
    }
    return vectors.map((v) => {
      if (v.length !== this.embedder.dimensions) {
        throw new SearchError("SEARCH_FAILED", "embedder returned a vector of the wrong size");
      }
      return toFloat32(v);
    });
  }

  /**
   * Plans one batch of writes. With `skipUnchanged`, against what each generation holds: a record
   * whose stored text hash matches is updated in its metadata only (or left alone when that
   * matches too). The others, or all without it, are embedded once for all generations and
   * upserted.
   */
  private async plan(
    targets: Generation[],
    owner: string,
    docs: SearchDocument[],
    skipUnchanged: boolean,
  ): Promise<WritePlan[]> {
    const texts = docs.map((d) => d.text.slice(0, MAX_TEXT_CHARS));
    const metadatas = docs.map((d, j) => metadataOf(owner, d, texts[j] as string));
    const ids = docs.map((d) => d.id);
    const fullIdx: number[][] = [];
    const metaIdx: number[][] = [];
    for (const gen of targets) {
      const current = skipUnchanged
        ? await this.storedMetadata(gen, owner, ids)
        : new Map<string, Metadata>();
      const full: number[] = [];
      const meta: number[] = [];
      metadatas.forEach((m, j) => {
        const cur = current.get(ids[j] as string);
        if (!cur || cur[TEXT_HASH] !== m[TEXT_HASH]) full.push(j);
        else if (!holds(cur, m)) meta.push(j);
      });
      fullIdx.push(full);
      metaIdx.push(meta);
    }
    const needed = [...new Set(fullIdx.flat())].sort((a, b) => a - b);
    const embedded = await this.embed(needed.map((j) => texts[j] as string));
    const vectors = new Map(needed.map((j, n) => [j, embedded[n] as Float32Array]));
    return targets.map((gen, t) => {
      const full = fullIdx[t] ?? [];
      const meta = metaIdx[t] ?? [];
      return {
        gen,
        full: {
          ids: full.map((j) => ids[j] as string),
          embeddings: full.map((j) => vectors.get(j) as Float32Array),
          metadatas: full.map((j) => metadatas[j] as Metadata),
        },
        metaOnly: {
          ids: meta.map((j) => ids[j] as string),
          metadatas: meta.map((j) => {
            const { [TEXT_HASH]: _, ...rest } = metadatas[j] as Metadata;
            return rest;
          }),
        },
      };
    });
  }

  /** The stored metadata of those of `ids` a generation holds for this owner. */
  private async storedMetadata(
    gen: Generation,
    owner: string,
    ids: string[],
  ): Promise<Map<string, Metadata>> {
    const col = await this.ownerCollection(gen, owner, false);
    if (!col) return new Map();
    try {
      const got = await this.call("get", () => col.get({ ids, include: ["metadatas"] }));
      const out = new Map<string, Metadata>();
      got.ids.forEach((id, j) => {
        const m = got.metadatas[j];
        if (m) out.set(id, m);
      });
      return out;
    } catch (err) {
      if (!(err instanceof ChromaNotFoundError)) throw err;
      this.handles.delete(this.ownerCollectionName(gen, owner));
      return new Map();
    }
  }

  private async writePlan({ gen, full: p, metaOnly }: WritePlan, owner: string): Promise<void> {
    if (p.ids.length === 0 && metaOnly.ids.length === 0) return;
    const write = async (col: Collection) => {
      if (metaOnly.ids.length) await this.call("update", () => col.update(metaOnly));
      for (let i = 0; i < p.ids.length; i += this.writeBatch) {
        const ids = p.ids.slice(i, i + this.writeBatch);
        const embeddings = p.embeddings.slice(i, i + this.writeBatch);
        const metadatas = p.metadatas.slice(i, i + this.writeBatch);
        await this.call("upsert", () => this.upsertRecords(col, ids, embeddings, metadatas));
      }
    };
    const col = await this.ownerCollection(gen, owner, true);
    if (!col) throw new SearchError("SEARCH_FAILED", "could not create the owner collection");
    try {
      await write(col);
    } catch (err) {
      if (!(err instanceof ChromaNotFoundError)) throw err;
      // The cached handle outlived its collection (dropped by a commit): resolve it once more.
      this.handles.delete(this.ownerCollectionName(gen, owner));
      // A plan with metadata-only updates was made against the records that collection held;
      // the caller's retry plans again against the new one (where they are full writes).
      if (metaOnly.ids.length) throw err;
      const again = await this.ownerCollection(gen, owner, true);
      if (again) await write(again);
    }
  }

  /**
   * One upsert request. Chroma's client turns each vector into base64 one byte-string at a time,
   * which cost more CPU than embedding the listings (7 s per 100k); Buffer does it natively, so
   * when the server takes base64 the request is sent here directly, same endpoint and errors.
   */
  private async upsertRecords(
    col: Collection,
    ids: string[],
    embeddings: Float32Array[],
    metadatas: Metadata[],
  ): Promise<void> {
    this.base64 ??= this.client.supportsBase64Encoding().catch((err) => {
      this.base64 = undefined;
      throw err;
    });
    if (!(await this.base64)) {
      await col.upsert({ ids, embeddings: embeddings.map(toNumberArray), metadatas });
      return;
    }
    const path = [
      "api/v2/tenants",
      encodeURIComponent(col.tenant),
      "databases",
      encodeURIComponent(col.database),
      "collections",
      encodeURIComponent(col.id),
      "upsert",
    ].join("/");
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ids, embeddings: embeddings.map(base64Vector), metadatas }),
      });
    } catch (err) {
      throw new ChromaConnectionError(`Failed to connect to Chroma: ${(err as Error).message}`);
    }
    if (res.ok) {
      await res.arrayBuffer();
      return;
    }
    const detail = await res.text().catch(() => "");
    if (res.status === 404) throw new ChromaNotFoundError(`collection ${col.name} not found`);
    if (res.status >= 500) throw new ChromaServerError(`${res.status}: ${detail.slice(0, 300)}`);
    throw new Error(`upsert rejected with ${res.status}: ${detail.slice(0, 300)}`);
  }

  private async knn(
    col: Collection,
    owner: string,
    vec: number[],
    k: number,
    filters: SearchFilters,
    minScore: number | undefined,
    exclude: string | undefined,
    candidates?: string[],
  ): Promise<SearchHit[]> {
    const extra = exclude ? 1 : 0;
    const run = async (n: number, where: Where | undefined) => {
      const res = await this.call("query", () =>
        col.query({
          queryEmbeddings: [vec],
          nResults: n,
          where,
          include: ["metadatas", "distances"],
        }),
      );
      const ids = res.ids[0] ?? [];
      const metas = res.metadatas[0] ?? [];
      const dists = res.distances[0] ?? [];
      const hits: Array<SearchHit & { meta: Metadata | null }> = [];
      ids.forEach((id, i) => {
        const meta = metas[i] ?? null;
        // Defence in depth: a hit that is not this owner's never leaves this method.
        if (meta?.ownerId !== owner || id === exclude) return;
        hits.push({ id, score: 1 - (dists[i] ?? 1), meta });
      });
      return { hits, returned: ids.length };
    };
    let hits: Array<SearchHit & { meta: Metadata | null }>;
    if (candidates) {
      hits = await this.scoreCandidates(col, owner, vec, candidates, k + extra, filters, exclude);
    } else if (!hasFilters(filters)) {
      hits = (await run(k + extra, undefined)).hits;
    } else {
      // Chroma's metadata filter costs time per matching record, which is slow for broad filters
      // on big catalogues. Over-fetching and filtering here is exact whenever at least k of the
      // over-fetched hits pass (they are then the true top k), so try that first, wider once;
      // only a very selective filter falls through to Chroma's filtered query, which is then cheap.
      hits = [];
      let done = false;
      let total: number | undefined;
      for (const n of [Math.max(k * 10, 100), Math.max(k * 30, 300)]) {
        const res = await run(n + extra, undefined);
        hits = res.hits.filter((h) => matches(h.meta, filters));
        if (hits.length >= k) {
          done = true;
          break;
        }
        // HNSW may return fewer than asked without having seen everything: only a full count
        // proves the over-fetch covered the whole collection.
        if (res.returned < n + extra) {
          total ??= await this.call("count", () => col.count());
          if (res.returned >= total) {
            done = true;
            break;
          }
        }
      }
      if (!done) {
        const where = whereOf(filters);
        const res = await run(k + extra, where);
        hits = res.hits.filter((h) => matches(h.meta, filters));
        if (res.returned < k + extra) {
          // Under a tight filter the graph search can stop before it has reached every match
          // (1 of 3 seen under load). Fewer answers than asked means the filter leaves few
          // records: list them and score them all exactly.
          const few = await this.call("get", () =>
            col.get({ where, limit: EXACT_FILTERED_MAX, include: [] }),
          );
          if (few.ids.length > res.returned)
            hits = await this.scoreCandidates(
              col,
              owner,
              vec,
              few.ids,
              k + extra,
              filters,
              exclude,
            );
        }
      }
    }
    return hits
      .filter((h) => minScore === undefined || h.score >= minScore)
      .slice(0, k)
      .map((h) => ({ id: h.id, score: Math.round(h.score * 1e6) / 1e6 }));
  }

  /**
   * Exact cosine scores of the candidates' stored vectors. Fetching the vectors alone and
   * checking metadata only for the best few measured p95 28 ms for 465 of 100k listings, against
   * 69 ms for Chroma's id-restricted graph search (slow when the query is far from the
   * candidates), 44 ms fetching metadata for all, and 140 ms through `where`.
   */
  private async scoreCandidates(
    col: Collection,
    owner: string,
    vec: number[],
    candidates: string[],
    n: number,
    filters: SearchFilters,
    exclude: string | undefined,
  ): Promise<Array<SearchHit & { meta: Metadata | null }>> {
    let qNorm = 0;
    for (const x of vec) qNorm += x * x;
    qNorm = Math.sqrt(qNorm) || 1;
    const got = await this.call("get", () => col.get({ ids: candidates, include: ["embeddings"] }));
    const scored: SearchHit[] = [];
    got.ids.forEach((id, j) => {
      const v = got.embeddings?.[j];
      if (!v || id === exclude) return;
      let dot = 0;
      let norm = 0;
      for (let d = 0; d < v.length; d++) {
        const x = v[d] ?? 0;
        dot += x * (vec[d] ?? 0);
        norm += x * x;
      }
      scored.push({ id, score: dot / (qNorm * (Math.sqrt(norm) || 1)) });
    });
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    // Same defences as the graph search, on the few that can be returned: this owner's records
    // only, filters re-checked (a listing edited since the database listed it).
    const top = scored.slice(0, Math.max(n * 3, 30));
    if (top.length === 0) return [];
    const metas = await this.call("get", () =>
      col.get({ ids: top.map((h) => h.id), include: ["metadatas"] }),
    );
    const metaOf = new Map(metas.ids.map((id, j) => [id, metas.metadatas?.[j] ?? null]));
    return top
      .map((h) => ({ ...h, meta: metaOf.get(h.id) ?? null }))
      .filter((h) => h.meta?.ownerId === owner && matches(h.meta, filters));
  }

  /** Runs a read against the active generation, following a swap that happened meanwhile. */
  private async onReadable<T>(fn: (gen: Generation) => Promise<T>): Promise<T> {
    const gen = await this.readableGeneration(false);
    try {
      return await fn(gen);
    } catch (err) {
      if (!(err instanceof ChromaNotFoundError)) throw err;
      this.handles.clear();
      const fresh = await this.readableGeneration(true);
      try {
        return await fn(fresh);
      } catch (again) {
        if (again instanceof ChromaNotFoundError) {
          throw new SearchError("SEARCH_FAILED", "index collection disappeared", { cause: again });
        }
        throw again;
      }
    }
  }

  private async readableGeneration(fresh: boolean): Promise<Generation> {
    let active = await this.readActive(fresh);
    if (active === null) active = await this.bootstrap();
    let gen = this.parseGeneration(active);
    if ((!gen || gen.embedderId !== this.embedderKey) && !fresh) {
      // The cached name may predate a rebuild another process has just swapped in.
      active = (await this.readActive(true)) ?? (await this.bootstrap());
      gen = this.parseGeneration(active);
    }
    if (!gen || gen.embedderId !== this.embedderKey) {
      if (gen) await this.checkNotRefused(gen);
      throw new SearchError(
        "SEARCH_REBUILD_REQUIRED",
        `active index ${active} was not built by embedder ${this.embedderKey}: rebuild it`,
      );
    }
    return gen;
  }

  /**
   * Throws SEARCH_EMBEDDER_MISMATCH when the processes that build the index refused to rebuild
   * `active` (another embedder's) for this one, and no rebuild for this one runs after all: the
   * processes are configured differently, and waiting for the rebuild would be waiting forever.
   */
  private async checkNotRefused(active: Generation): Promise<void> {
    const marker = await this.getCollection(active.name);
    const refused = marker?.metadata?.[refusedKey(this.embedderKey)];
    if (refused === undefined || refused === null) return;
    if (await this.buildingGeneration(active.n)) return;
    throw new SearchError(
      "SEARCH_EMBEDDER_MISMATCH",
      `the search index was built by embedder ${active.embedderId}, this process embeds with ${this.embedderKey}, and the processes that build the index refused to rebuild it for ${this.embedderKey}`,
      { details: { indexEmbedder: active.embedderId, embedder: this.embedderKey } },
    );
  }

  private async writeTargets(): Promise<Generation[]> {
    let active = await this.readActive(true);
    if (active === null) active = await this.bootstrap();
    const gen = this.parseGeneration(active);
    const targets: Generation[] = [];
    if (gen && gen.embedderId === this.embedderKey) targets.push(gen);
    const building = await this.buildingGeneration(gen?.n ?? 0);
    const b = building ? this.parseGeneration(building) : undefined;
    if (b) targets.push(b);
    if (targets.length === 0) {
      throw new SearchError(
        "SEARCH_REBUILD_REQUIRED",
        `active index ${active} was not built by embedder ${this.embedderKey}: rebuild it`,
      );
    }
    return targets;
  }

  private async buildingGeneration(activeN: number): Promise<string | undefined> {
    const name = `${this.prefix}_${this.embedderKey}_${activeN + 1}`;
    const marker = await this.getCollection(name);
    if (marker?.metadata?.state !== "building") return undefined;
    const started = Number(marker.metadata?.startedAt ?? 0);
    return Date.now() - started < this.staleAfterMs ? name : undefined;
  }

  /**
   * Names the active generation when the store holds none. That is a new index, or a store that
   * lost its value (Redis restarted empty, key evicted) while Chroma kept the index: then the
   * newest generation marked active is adopted, not an empty one that would answer every query
   * with nothing until the next rebuild.
   */
  private async bootstrap(): Promise<string> {
    const kept = await this.newestActiveGeneration();
    if (kept) {
      await this.setActive(kept);
      return kept;
    }
    const name = `${this.prefix}_${this.embedderKey}_1`;
    await this.call("getOrCreateCollection", () =>
      this.client.getOrCreateCollection({
        name,
        embeddingFunction: null,
        metadata: { state: "active", startedAt: Date.now(), embedder: this.embedderKey },
      }),
    );
    await this.setActive(name);
    return name;
  }

  /**
   * The highest generation of this index whose marker says it is the active one, if any; with
   * `complete`, only one a rebuild committed (every listing written into it).
   */
  private async newestActiveGeneration(complete = false): Promise<string | undefined> {
    let best: Generation | undefined;
    const page = 1000;
    for (let offset = 0; ; offset += page) {
      const cols = await this.call("listCollections", () =>
        this.client.listCollections({ limit: page, offset }),
      );
      for (const c of cols) {
        const gen = this.parseGeneration(c.name);
        if (!gen || c.metadata?.state !== "active" || (best && gen.n <= best.n)) continue;
        if (complete && typeof c.metadata?.completedAt !== "number") continue;
        best = gen;
      }
      if (cols.length < page) break;
    }
    return best?.name;
  }

  private async readActive(fresh: boolean): Promise<string | null> {
    const now = Date.now();
    if (!fresh && this.activeCache && now - this.activeCache.at < this.activeCacheMs) {
      return this.activeCache.value;
    }
    let value: string | null;
    try {
      value = await this.withTimeout("store.get", this.store.get());
    } catch (err) {
      if (isSearchError(err)) throw err;
      throw new SearchError("SEARCH_UNAVAILABLE", "active collection store failed", { cause: err });
    }
    this.activeCache = { value, at: now };
    return value;
  }

  private async setActive(name: string): Promise<void> {
    try {
      await this.withTimeout("store.set", this.store.set(name));
    } catch (err) {
      if (isSearchError(err)) throw err;
      throw new SearchError("SEARCH_UNAVAILABLE", "active collection store failed", { cause: err });
    }
    this.activeCache = { value: name, at: Date.now() };
  }

  private parseGeneration(name: string): Generation | undefined {
    const parts = name.split("_");
    if (parts.length !== 3 || parts[0] !== this.prefix) return undefined;
    const n = Number(parts[2]);
    if (!Number.isInteger(n) || n < 1) return undefined;
    return { name, embedderId: parts[1] ?? "", n };
  }

  /** Generation a collection of this index belongs to (marker or owner collection). */
  private generationOf(name: string): string | undefined {
    const parts = name.split("_");
    if (parts[0] !== this.prefix || (parts.length !== 3 && parts.length !== 4)) return undefined;
    const gen = parts.slice(0, 3).join("_");
    return this.parseGeneration(gen) ? gen : undefined;
  }

  private ownerCollectionName(gen: Generation, owner: string): string {
    return `${gen.name}_${owner}`;
  }

  private async ownerCollection(
    gen: Generation,
    owner: string,
    create: boolean,
  ): Promise<Collection | undefined> {
    const name = this.ownerCollectionName(gen, owner);
    const cached = this.handles.get(name);
    if (cached) return cached;
    const col = create
      ? await this.call("getOrCreateCollection", () =>
          this.client.getOrCreateCollection({
            name,
            embeddingFunction: null,
            configuration: { hnsw: { space: "cosine", ...this.hnsw } },
            metadata: { ownerId: owner, embedder: this.embedderKey },
          }),
        )
      : await this.getCollection(name);
    if (col) {
      if (this.handles.size >= 2000) this.handles.clear();
      this.handles.set(name, col);
    }
    return col;
  }

  private async getCollection(name: string): Promise<Collection | undefined> {
    try {
      return await this.call("getCollection", () =>
        this.client.getCollection({ name, embeddingFunction: undefined }),
      );
    } catch (err) {
      if (err instanceof ChromaNotFoundError) return undefined;
      throw err;
    }
  }

  private async listNames(): Promise<string[]> {
    const names: string[] = [];
    const page = 1000;
    for (let offset = 0; ; offset += page) {
      const cols = await this.call("listCollections", () =>
        this.client.listCollections({ limit: page, offset }),
      );
      for (const c of cols) names.push(c.name);
      if (cols.length < page) break;
    }
    return names;
  }

  private async dropGeneration(generation: string): Promise<void> {
    for (const name of await this.listNames()) {
      if (this.generationOf(name) === generation) await this.dropCollection(name);
    }
  }

  private async dropCollection(name: string): Promise<void> {
    this.handles.delete(name);
    try {
      await this.call("deleteCollection", () => this.client.deleteCollection({ name }));
    } catch (err) {
      if (!(err instanceof ChromaNotFoundError)) throw err;
    }
  }

  private withTimeout<T>(op: string, p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SearchError("SEARCH_UNAVAILABLE", `${op} timed out after ${this.timeoutMs} ms`),
          ),
        this.timeoutMs,
      );
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Every Chroma call goes through here: bounded in time, connection and server failures mapped
   * to SEARCH_UNAVAILABLE, NotFound passed through for the callers that expect it.
   */
  private async call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.withTimeout(`chroma ${op}`, fn());
    } catch (err) {
      if (
        isSearchError(err) ||
        err instanceof ChromaNotFoundError ||
        err instanceof ChromaUniqueError
      ) {
        throw err;
      }
      if (err instanceof ChromaConnectionError || err instanceof ChromaServerError) {
        throw new SearchError("SEARCH_UNAVAILABLE", `chroma ${op} failed: ${err.message}`, {
          cause: err,
        });
      }
      const message = err instanceof Error ? err.message : String(err);
      throw new SearchError("SEARCH_FAILED", `chroma ${op} failed: ${message}`, { cause: err });
    }
  }
}
