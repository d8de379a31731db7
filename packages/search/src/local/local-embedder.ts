import type { DescribedEmbedder, EmbedderDescription } from "../embedder";
import { SearchError } from "../errors";
import { hash32 } from "./hash";
import { fuzzyWords, type Lexicon, lexicon } from "./lexicon";
import { tokenize, tokenKind, unitOf } from "./tokenize";

/** Options of the offline embedder. */
export interface LocalEmbedderOptions {
  /** Vector size; 256 keeps Chroma indexing of 100k listings under a minute on 2 cores. */
  dimensions?: number;
}

/** Version of the feature recipe: bump it whenever vectors change, so old collections are not mixed. */
const RECIPE = "v1";

// Relative weights of the feature families (the vector is L2-normalised afterwards).
const W_WORD = 1;
const W_NUMBER = 0.5;
const W_NGRAMS = 0.5;
const W_CONCEPT = 1;
const W_FUZZY = 0.6;
const W_BIGRAM = 0.5;
const W_UNIT = 0.25;
const TITLE_WEIGHT = 2;
const MAX_TOKENS = 400;
const CACHE_LIMIT = 200_000;
const COPIES = 3;
const YIELD_AFTER_MS = 8;

/** Sparse features of one token: parallel index/value arrays. */
interface Features {
  idx: Int32Array;
  val: Float32Array;
}

class FeatureBuilder {
  private readonly idx: number[] = [];
  private readonly val: number[] = [];
  constructor(private readonly dims: number) {}

  add(key: string, weight: number, copies = 1): void {
    // Several slots per strong feature: one unlucky collision then moves a score by a fraction.
    const w = copies === 1 ? weight : weight / Math.sqrt(copies);
    for (let c = 0; c < copies; c++) {
      const k = c === 0 ? key : `${c}${key}`;
      this.idx.push(hash32(k) % this.dims);
      // A second hash for the sign keeps collisions from biasing similarity upwards.
      this.val.push(hash32(k, 0x9747b28c) & 1 ? w : -w);
    }
  }

  build(): Features {
    return { idx: Int32Array.from(this.idx), val: Float32Array.from(this.val) };
  }
}

/**
 * Deterministic offline embedder for listings: hashed words, bigrams and character trigrams
 * (morphology and typos) plus shared features for marketplace concepts (couch ~ sofa,
 * lifepo4 ~ deep-cycle battery), so related listings score high without sharing a word.
 */
export class LocalEmbedder implements DescribedEmbedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly lex: Lexicon = lexicon();
  private readonly cache = new Map<string, Features>();

  constructor(opts: LocalEmbedderOptions = {}) {
    const dims = opts.dimensions ?? 256;
    if (!Number.isInteger(dims) || dims < 16 || dims > 4096) {
      throw new SearchError("SEARCH_INVALID_INPUT", "local embedder dimensions must be 16..4096");
    }
    this.dimensions = dims;
    this.id = `local-${RECIPE}-${dims}`;
  }

  /** Describes the provider for health checks. */
  describe(): EmbedderDescription {
    return { provider: "local", model: `hashed-lexicon-${RECIPE}`, dimensions: this.dimensions };
  }

  /**
   * Embeds texts; never touches the network. Long batches yield to the event loop every few
   * milliseconds, so requests already in flight (an index write being sent to Chroma, an API
   * request in the same process) progress while the rest is embedded.
   */
  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = new Array(texts.length);
    let sliceStart = performance.now();
    for (let i = 0; i < texts.length; i++) {
      out[i] = this.embedOne(texts[i] ?? "");
      if ((i & 63) === 63 && performance.now() - sliceStart > YIELD_AFTER_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    return out;
  }

  /** Synchronous single-text embedding (what `embed` does per text). */
  embedOne(text: string): Float32Array {
    const vec = new Float32Array(this.dimensions);
    const words = new Map<string, number>();
    const pairs = new Map<string, number>();
    const lines = String(text).split("\n");
    let budget = MAX_TOKENS;
    for (let li = 0; li < lines.length && budget > 0; li++) {
      const weight = li === 0 && lines.length > 1 ? TITLE_WEIGHT : 1;
      const toks = tokenize(lines[li] ?? "", budget);
      budget -= toks.length;
      for (let i = 0; i < toks.length; i++) {
        const t = toks[i] ?? "";
        words.set(t, (words.get(t) ?? 0) + weight);
        const next = toks[i + 1];
        if (next !== undefined) {
          const bigram = `${t} ${next}`;
          pairs.set(bigram, (pairs.get(bigram) ?? 0) + weight);
          const third = toks[i + 2];
          if (third !== undefined) {
            const trigram = `${bigram} ${third}`;
            if (this.lex.phrases.has(trigram))
              pairs.set(trigram, (pairs.get(trigram) ?? 0) + weight);
          }
        }
      }
    }
    for (const [tok, w] of words) this.addFeatures(vec, this.tokenFeatures(tok), Math.sqrt(w));
    for (const [pair, w] of pairs) this.addFeatures(vec, this.pairFeatures(pair), Math.sqrt(w));
    let norm = 0;
    for (let i = 0; i < vec.length; i++) norm += (vec[i] ?? 0) ** 2;
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < vec.length; i++) vec[i] = (vec[i] ?? 0) * inv;
    }
    return vec;
  }

  private addFeatures(vec: Float32Array, f: Features, scale: number): void {
    for (let i = 0; i < f.idx.length; i++) {
      const j = f.idx[i] ?? 0;
      vec[j] = (vec[j] ?? 0) + (f.val[i] ?? 0) * scale;
    }
  }

  private cached(key: string, make: () => Features): Features {
    let f = this.cache.get(key);
    if (f) return f;
    f = make();
    // Bounded: a stream of unique junk tokens must not grow memory without limit.
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, f);
    return f;
  }

  private tokenFeatures(tok: string): Features {
    return this.cached(tok, () => {
      const b = new FeatureBuilder(this.dimensions);
      const kind = tokenKind(tok);
      if (kind === "number") {
        b.add(`w:${tok}`, W_NUMBER);
        return b.build();
      }
      b.add(`w:${tok}`, W_WORD, COPIES);
      if (kind === "measure") {
        b.add(`u:${unitOf(tok) ?? ""}`, W_UNIT);
        return b.build();
      }
      const padded = `<${tok}>`;
      const grams = padded.length - 2;
      if (grams > 1) {
        const each = W_NGRAMS / Math.sqrt(grams);
        for (let i = 0; i < grams; i++) b.add(`g:${padded.slice(i, i + 3)}`, each);
      }
      const concepts = this.lex.words.get(tok);
      if (concepts) {
        for (const c of concepts) b.add(`c:${c}`, W_CONCEPT, COPIES);
      } else {
        // A misspelt lexicon word also counts (weaker) as the word it was meant to be.
        const seen = new Set<string>();
        for (const w of fuzzyWords(tok, this.lex)) {
          b.add(`w:${w}`, W_FUZZY, COPIES);
          for (const c of this.lex.words.get(w) ?? []) seen.add(c);
        }
        for (const c of seen) b.add(`c:${c}`, W_FUZZY, COPIES);
      }
      return b.build();
    });
  }

  private pairFeatures(pair: string): Features {
    return this.cached(`\u0000${pair}`, () => {
      const b = new FeatureBuilder(this.dimensions);
      // Only two-word pairs are hashed as bigrams; three-word keys exist only as lexicon phrases.
      if (pair.split(" ").length === 2) b.add(`b:${pair}`, W_BIGRAM, COPIES);
      for (const c of this.lex.phrases.get(pair) ?? []) b.add(`c:${c}`, W_CONCEPT, COPIES);
      return b.build();
    });
  }
}
