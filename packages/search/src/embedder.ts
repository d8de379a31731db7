/** Turns texts into fixed-size vectors; `id` changes whenever vectors stop being comparable. */
export interface Embedder {
  /** Stable identifier of provider + model + dimensions, safe for collection names. */
  readonly id: string;
  readonly dimensions: number;
  /** `signal` aborts the work still to do (remote requests, retries); local embedders may ignore it. */
  embed(texts: string[], opts?: EmbedOptions): Promise<Float32Array[] | number[][]>;
}

/** Per-call options of `Embedder.embed`. */
export interface EmbedOptions {
  signal?: AbortSignal;
}

/** What /health/ready reports about the active embedder. */
export interface EmbedderDescription {
  provider: "openai" | "local";
  model: string;
  dimensions: number;
}

/** An Embedder that can say what it is. */
export interface DescribedEmbedder extends Embedder {
  describe(): EmbedderDescription;
}
