import template from "./facebook-template.json";
import { FACEBOOK_CONDITIONS } from "./rules";

/** Facebook's bulk-upload template facts, extracted once from the real template (see scripts/). */
export const FACEBOOK_TEMPLATE: {
  sheetName: string;
  validationSheetName: string;
  title: string;
  instructions: string;
  hints: string[];
  headers: string[];
  conditions: string[];
} = {
  sheetName: template.sheetName,
  validationSheetName: template.validationSheetName,
  title: template.title,
  instructions: template.instructions,
  hints: template.hints,
  headers: template.headers,
  conditions: template.conditions,
};

/** The 1,870 category paths the template accepts (levels joined by `//`). */
export const FACEBOOK_CATEGORIES: readonly string[] = template.categories;

/** Listings per Facebook bulk-upload file. */
export const FACEBOOK_MAX_LISTINGS_PER_FILE = 50;

const STOP = new Set(["and", "the", "of", "for", "with", "other", "others", "misc"]);

function stem(t: string): string {
  if (t.length > 4 && t.endsWith("ies")) return `${t.slice(0, -3)}y`;
  if (t.length > 3 && t.endsWith("s") && !t.endsWith("ss")) return t.slice(0, -1);
  return t;
}

function tokens(s: string): string[] {
  return s
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t && !STOP.has(t))
    .map(stem);
}

function dice(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const sb = new Set(b);
  let hit = 0;
  for (const t of new Set(a)) if (sb.has(t)) hit++;
  return (2 * hit) / (new Set(a).size + sb.size);
}

interface IndexedPath {
  path: string;
  lower: string;
  segments: string[][];
  all: string[];
  tokenSet: Set<string>;
}

let indexed: IndexedPath[] | null = null;
let byLower: Map<string, string> | null = null;
const docFreq = new Map<string, number>();

function idf(t: string): number {
  return Math.log(1 + FACEBOOK_CATEGORIES.length / (1 + (docFreq.get(t) ?? 0)));
}

function index(): IndexedPath[] {
  if (!indexed) {
    indexed = FACEBOOK_CATEGORIES.map((path) => {
      const segments = path.split("//").map(tokens);
      const all = segments.flat();
      return { path, lower: path.toLowerCase(), segments, all, tokenSet: new Set(all) };
    });
    for (const p of indexed) for (const t of p.tokenSet) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
    byLower = new Map(FACEBOOK_CATEGORIES.map((p) => [p.toLowerCase(), p]));
  }
  return indexed;
}

/** Rewrites `A > B`, `A / B`, `A|B`, `A » B` to the template's `A//B` form. */
export function normalizeCategorySeparators(text: string): string {
  return text
    .split(/\s*(?:\/\/|>|»|\||\\|\s\/\s)\s*/)
    .map((s) => s.trim().replace(/\s+/g, " "))
    .filter((s) => s !== "")
    .join("//");
}

/** How an entered category relates to the template's list. */
export type CategoryMatch =
  | { kind: "exact"; path: string }
  | { kind: "reformatted"; path: string }
  | { kind: "ancestor"; path: string; example: string }
  | { kind: "nearest"; path: string; score: number }
  | { kind: "none" };

/**
 * The template path a category is, written as the template writes it (`A > B` → `A//B`, any
 * case), or null when it is not one of the template's paths. A map lookup: cheap for every row
 * of an export.
 */
export function facebookCategoryPath(text: string): string | null {
  index();
  const trimmed = text.trim();
  if (trimmed === "") return null;
  return (
    byLower?.get(trimmed.toLowerCase()) ??
    byLower?.get(normalizeCategorySeparators(trimmed).toLowerCase()) ??
    null
  );
}

/**
 * Finds the template path a typed category means: exact, same path written differently,
 * a top-level/parent path (with the best full path under it as `example`), or else the best
 * fuzzy match (leaf words weigh most). `hint` (such as the listing's title) helps pick the path
 * under a parent, where the typed words alone fit every child equally.
 */
export function matchFacebookCategory(text: string, hint = ""): CategoryMatch {
  const list = index();
  const trimmed = text.trim();
  if (trimmed === "") return { kind: "none" };
  const hit = facebookCategoryPath(trimmed);
  if (hit) return { kind: hit === trimmed ? "exact" : "reformatted", path: hit };
  const norm = normalizeCategorySeparators(trimmed);
  const prefix = `${norm.toLowerCase()}//`;
  const under = list.filter((p) => p.lower.startsWith(prefix));
  const first = under[0];
  if (first) {
    // Only full paths are accepted, so the fix is the path under this one that fits the words best.
    const properPrefix = first.path.slice(0, norm.length);
    const example = bestMatch(norm, under, tokens(hint))?.path ?? first.path;
    return { kind: "ancestor", path: properPrefix, example };
  }
  const best = bestMatch(norm, list);
  return best ? { kind: "nearest", path: best.path, score: best.score } : { kind: "none" };
}

/**
 * The candidate path that fits a category text best (leaf words weigh most), or null. Hint
 * words add weight like typed words above the leaf, and a little more when they name the leaf.
 */
function bestMatch(
  norm: string,
  candidates: readonly IndexedPath[],
  hint: readonly string[] = [],
): { path: string; score: number } | null {
  const segs = norm.split("//").map(tokens);
  const leaf = new Set(segs[segs.length - 1] ?? []);
  const weights = new Map<string, number>();
  for (const seg of segs) {
    for (const t of seg)
      weights.set(t, Math.max(weights.get(t) ?? 0, (leaf.has(t) ? 2 : 1) * idf(t)));
  }
  for (const t of hint) if (!weights.has(t)) weights.set(t, idf(t));
  let total = 0;
  for (const w of weights.values()) total += w;
  let best: IndexedPath | null = null;
  let bestScore = 0;
  for (const p of candidates) {
    let covered = 0;
    for (const [t, w] of weights) if (p.tokenSet.has(t)) covered += w;
    const pLeaf = p.segments[p.segments.length - 1] ?? [];
    // Rare words weigh most ("electrical" says more than "equipment"); an equal leaf breaks ties,
    // and a shorter path wins over a deeper one that matches no better.
    const score =
      (total > 0 ? covered / total : 0) +
      0.3 * dice([...leaf], pLeaf) +
      0.1 * dice(hint, pLeaf) -
      0.001 * p.segments.length;
    if (score > bestScore) {
      bestScore = score;
      best = p;
    }
  }
  return best ? { path: best.path, score: bestScore } : null;
}

const CONDITION_WORDS: Array<[RegExp, (typeof FACEBOOK_CONDITIONS)[number]]> = [
  [/like\s*new|mint|open(ed)?\s*box|refurb|excellent|nwot/i, "Used - Like New"],
  [/fair|poor|worn|parts|damaged|defect|broken|as\s*is|acceptable/i, "Used - Fair"],
  [/good|\bused\b|pre-?owned|second\s*hand|very good/i, "Used - Good"],
  [/new|nib|nwt|sealed|unused/i, "New"],
];

/** The Facebook condition a free-text condition most likely means (`Used` → `Used - Good`). */
export function suggestFacebookCondition(
  text: string,
): (typeof FACEBOOK_CONDITIONS)[number] | null {
  const t = text.trim();
  if (!t) return null;
  const exact = FACEBOOK_CONDITIONS.find(
    (c) => c.toLowerCase() === t.toLowerCase().replace(/\s*[-–]\s*/, " - "),
  );
  if (exact) return exact;
  for (const [re, c] of CONDITION_WORDS) if (re.test(t)) return c;
  return null;
}
