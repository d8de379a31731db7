import { hash32 } from "../local/hash";

/** Tuning of the near-duplicate search. */
export interface DuplicateOptions {
  /** Cosine similarity at or above which two listings are duplicates. */
  threshold: number;
  /** Random-hyperplane bands (more = better recall, more work). Default 16. */
  bands?: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += (v[i] as number) ** 2;
  if (n === 0) return v;
  const inv = 1 / Math.sqrt(n);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) * inv;
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
    while ((this.parent[r] as number) !== r) r = this.parent[r] as number;
    let c = x;
    while (c !== r) {
      const next = this.parent[c] as number;
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

/** Sparse random hyperplane: a few signed coordinates (cheap, still a good angle sketch). */
interface Plane {
  idx: Int32Array;
  sign: Float32Array;
}

const PLANE_NONZERO = 16;

/** Deterministic planes (no Math.random: the same catalogue always gives the same groups). */
function sparsePlanes(count: number, dims: number): Plane[] {
  const planes: Plane[] = [];
  for (let p = 0; p < count; p++) {
    const nz = Math.min(PLANE_NONZERO, dims);
    const idx = new Int32Array(nz);
    const sign = new Float32Array(nz);
    for (let k = 0; k < nz; k++) {
      const h = hash32(`${p}:${k}`);
      idx[k] = h % dims;
      sign[k] = h & 0x80000000 ? 1 : -1;
    }
    planes.push({ idx, sign });
  }
  return planes;
}

// Bits of each band's key, used level by level: a bucket is split further only while it is big,
// so crowds of similar (not duplicate) listings do not turn into quadratic work.
const LEVELS = [12, 6, 6, 6];
const BITS = LEVELS.reduce((a, b) => a + b, 0);

const SMALL = 400;
const FULL_PAIRS_BUCKET = 16;

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
    const bands = opts.bands ?? 16;
    const planes = sparsePlanes(bands * BITS, dims);
    const keys = new Uint32Array(n * bands);
    for (let i = 0; i < n; i++) {
      const v = vs[i] as Float32Array;
      for (let b = 0; b < bands; b++) {
        let key = 0;
        for (let k = 0; k < BITS; k++) {
          const plane = planes[b * BITS + k] as Plane;
          let s = 0;
          for (let z = 0; z < plane.idx.length; z++) {
            s += (v[plane.idx[z] as number] as number) * (plane.sign[z] as number);
          }
          if (s >= 0) key |= 1 << k;
        }
        keys[i * bands + b] = key >>> 0;
      }
    }
    const compare = (members: number[]) => {
      if (members.length <= FULL_PAIRS_BUCKET) {
        for (let x = 0; x < members.length; x++) {
          for (let y = x + 1; y < members.length; y++) {
            const i = members[x] as number;
            const j = members[y] as number;
            if (uf.find(i) === uf.find(j)) continue;
            if (dot(vs[i] as Float32Array, vs[j] as Float32Array) >= thr) uf.union(i, j);
          }
        }
        return;
      }
      // Still big after every split: mostly copies of each other, so one leader per cluster
      // keeps the work linear in the bucket size.
      const leaders: number[] = [];
      for (const i of members) {
        let joined = false;
        for (const l of leaders) {
          if (dot(vs[i] as Float32Array, vs[l] as Float32Array) >= thr) {
            uf.union(i, l);
            joined = true;
            break;
          }
        }
        if (!joined) leaders.push(i);
      }
    };
    const split = (members: number[], band: number, level: number) => {
      if (members.length < 2) return;
      if (members.length <= FULL_PAIRS_BUCKET || level >= LEVELS.length) {
        compare(members);
        return;
      }
      let bits = 0;
      for (let l = 0; l <= level; l++) bits += LEVELS[l] as number;
      const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
      const buckets = new Map<number, number[]>();
      for (const i of members) {
        const key = ((keys[i * bands + band] as number) & mask) >>> 0;
        const list = buckets.get(key);
        if (list) list.push(i);
        else buckets.set(key, [i]);
      }
      for (const sub of buckets.values()) split(sub, band, level + 1);
    };
    const all = Array.from({ length: n }, (_, i) => i);
    for (let b = 0; b < bands; b++) split(all, b, 0);
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
