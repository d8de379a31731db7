import { hash32 } from "../local/hash";

/** Tuning of the near-duplicate search. */
export interface DuplicateOptions {
  /** Cosine similarity at or above which two listings are duplicates. */
  threshold: number;
  /** Random-hyperplane bands (more = better recall, more work). Default 24. */
  bands?: number;
  /** Bits per band (more = fewer chance collisions). Default 12. */
  bitsPerBand?: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += (v[i] ?? 0) ** 2;
  if (n === 0) return v;
  const inv = 1 / Math.sqrt(n);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] ?? 0) * inv;
  return out;
}

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    let r = x;
    while ((this.parent[r] ?? r) !== r) r = this.parent[r] ?? r;
    let c = x;
    while (c !== r) {
      const next = this.parent[c] ?? r;
      this.parent[c] = r;
      c = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** Deterministic pseudo-random hyperplanes (no Math.random: same input, same groups). */
function hyperplanes(count: number, dims: number): Float32Array[] {
  const planes: Float32Array[] = [];
  for (let p = 0; p < count; p++) {
    const v = new Float32Array(dims);
    for (let d = 0; d < dims; d++) v[d] = (hash32(`${p}:${d}`) / 0xffffffff) * 2 - 1;
    planes.push(v);
  }
  return planes;
}

const SMALL = 400;
const FULL_PAIRS_BUCKET = 64;

/**
 * Groups near-duplicate vectors (single link: a chain of pairs at or above the threshold).
 * Exact for up to 400 vectors; above that, random-hyperplane LSH proposes candidate pairs that are
 * then checked exactly, so a reported pair is always a real one and recall is very high for
 * thresholds ≥ 0.9. Returns groups of indexes (size ≥ 2), largest first.
 */
export function findDuplicateGroups(vectors: Float32Array[], opts: DuplicateOptions): number[][] {
  const n = vectors.length;
  const vs = vectors.map(normalize);
  const uf = new UnionFind(n);
  const thr = opts.threshold;
  if (n <= SMALL) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = vs[i];
        const b = vs[j];
        if (a && b && dot(a, b) >= thr) uf.union(i, j);
      }
    }
  } else {
    const dims = vs[0]?.length ?? 0;
    const bands = opts.bands ?? 24;
    const bits = Math.min(opts.bitsPerBand ?? 12, 30);
    const planes = hyperplanes(bands * bits, dims);
    const signs = new Uint32Array(n * bands);
    for (let i = 0; i < n; i++) {
      const v = vs[i];
      if (!v) continue;
      for (let b = 0; b < bands; b++) {
        let sig = 0;
        for (let k = 0; k < bits; k++) {
          const plane = planes[b * bits + k];
          if (plane && dot(v, plane) >= 0) sig |= 1 << k;
        }
        signs[i * bands + b] = sig >>> 0;
      }
    }
    for (let b = 0; b < bands; b++) {
      const buckets = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const key = signs[i * bands + b] ?? 0;
        const list = buckets.get(key);
        if (list) list.push(i);
        else buckets.set(key, [i]);
      }
      for (const members of buckets.values()) {
        if (members.length < 2) continue;
        if (members.length <= FULL_PAIRS_BUCKET) {
          for (let x = 0; x < members.length; x++) {
            for (let y = x + 1; y < members.length; y++) {
              const i = members[x] ?? 0;
              const j = members[y] ?? 0;
              if (uf.find(i) === uf.find(j)) continue;
              const a = vs[i];
              const c = vs[j];
              if (a && c && dot(a, c) >= thr) uf.union(i, j);
            }
          }
        } else {
          // Big buckets (mass-copied listings) are compared against one leader per cluster so
          // the work stays linear in the bucket size when most members are copies.
          const leaders: number[] = [];
          for (const i of members) {
            const a = vs[i];
            let joined = false;
            for (const l of leaders) {
              const c = vs[l];
              if (a && c && dot(a, c) >= thr) {
                uf.union(i, l);
                joined = true;
                break;
              }
            }
            if (!joined) leaders.push(i);
          }
        }
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = uf.find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  }
  return [...groups.values()]
    .filter((g) => g.length > 1)
    .sort((a, b) => b.length - a.length || (a[0] ?? 0) - (b[0] ?? 0));
}
