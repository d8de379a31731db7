import type { CanonicalListing } from "@mbe/formats";
import type { z } from "zod";
import { jsonFits } from "../json-bounds";
import { EDITABLE_FIELDS } from "../listings/fields";
import {
  atMostTwoDecimals,
  type CreateListingInput,
  holdsHalfCharacter,
  MARKETPLACE_FIELDS_MAX_CHARS,
  minorUnitProblem,
  PRICE_BELOW,
  type UpdateListingInput,
  wholeCharacters,
} from "../listings/schema";

/**
 * The listing schemas, checked without zod for the rows that pass them. An import validates every
 * row, and zod's general machinery (issue objects, unions, defaults, a fresh output per check) is
 * most of the dry run's CPU at catalog scale. These checks accept a row only when the schema
 * would, and give what it would give; a row they are unsure of (any failed or unusual check)
 * goes to the schema itself, so every problem keeps zod's exact code and message.
 * `validate.test.ts` holds the two to the same answers.
 */

type CreateOutput = z.output<typeof CreateListingInput>;
type UpdateOutput = z.output<typeof UpdateListingInput>;

const PRICE = /^-?\d{1,10}(\.\d{1,2})?$/;
const CURRENCY = /^[A-Z]{3}$/;
const HTTP = /^https?:\/\//i;
const TAB_OR_NEWLINE = /[\t\n\r]/;

/** Trimmed text within [min, max] characters, or undefined. */
function text(v: unknown, min: number, max: number): string | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t.length >= min && t.length <= max && !t.includes("\u0000") && wholeCharacters(t)
    ? t
    : undefined;
}

function price(v: unknown): string | number | undefined {
  let n: number;
  let out: string | number;
  if (typeof v === "number") {
    if (!atMostTwoDecimals(v)) return undefined;
    n = v;
    out = v;
  } else if (typeof v === "string") {
    const t = v.trim();
    if (!PRICE.test(t)) return undefined;
    n = Number(t);
    out = t;
  } else return undefined;
  return Number.isFinite(n) && n >= 0 && n < PRICE_BELOW ? out : undefined;
}

function quantity(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 1_000_000 ? v : undefined;
}

/** http(s) URLs zod's `z.url({ protocol: /^https?$/ }).max(2048)` keeps exactly as written. */
function urls(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length > 24) return undefined;
  for (const u of v) {
    if (
      typeof u !== "string" ||
      u.length > 2048 ||
      !HTTP.test(u) ||
      u !== u.trim() ||
      TAB_OR_NEWLINE.test(u) ||
      u.includes("\u0000") ||
      !wholeCharacters(u) ||
      !URL.canParse(u)
    )
      return undefined;
  }
  return v as string[];
}

function fields(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype)
    return undefined;
  for (const k of Object.keys(v)) if (k.length > 100 || k === "__proto__") return undefined;
  return jsonFits(v, MARKETPLACE_FIELDS_MAX_CHARS) && !holdsHalfCharacter(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

const STATUSES = new Set(["draft", "active", "archived"]);

/** Optional nullable trimmed text (condition, category, sku). */
function nullableText(
  l: CanonicalListing,
  key: "condition" | "category" | "sku",
  min: number,
  max: number,
  out: Record<string, unknown>,
): boolean {
  const v = l[key];
  if (v === undefined) return true;
  if (v === null) {
    out[key] = null;
    return true;
  }
  const t = text(v, min, max);
  if (t === undefined) return false;
  out[key] = t;
  return true;
}

/** Checks every field present; `out` receives the schema's output for each. */
function checkPresent(l: CanonicalListing, out: Record<string, unknown>): boolean {
  if (l.title !== undefined) {
    const t = text(l.title, 1, 500);
    if (t === undefined) return false;
    out.title = t;
  }
  if (l.price !== undefined) {
    const p = price(l.price);
    if (p === undefined) return false;
    out.price = p;
  }
  if (l.currency !== undefined) {
    if (typeof l.currency !== "string" || !CURRENCY.test(l.currency)) return false;
    out.currency = l.currency;
  }
  if (!nullableText(l, "condition", 0, 100, out)) return false;
  if (l.description !== undefined) {
    if (
      typeof l.description !== "string" ||
      l.description.length > 20_000 ||
      l.description.includes("\u0000") ||
      !wholeCharacters(l.description)
    )
      return false;
    out.description = l.description;
  }
  if (!nullableText(l, "category", 0, 500, out)) return false;
  if (l.offerShipping !== undefined) {
    if (typeof l.offerShipping !== "boolean") return false;
    out.offerShipping = l.offerShipping;
  }
  if (!nullableText(l, "sku", 1, 100, out)) return false;
  if (l.quantity !== undefined) {
    const q = quantity(l.quantity);
    if (q === undefined) return false;
    out.quantity = q;
  }
  if (l.imageUrls !== undefined) {
    const u = urls(l.imageUrls);
    if (u === undefined) return false;
    out.imageUrls = u;
  }
  if (l.marketplaceFields !== undefined) {
    const f = fields(l.marketplaceFields);
    if (f === undefined) return false;
    out.marketplaceFields = f;
  }
  if (l.status !== undefined) {
    if (!STATUSES.has(l.status)) return false;
    out.status = l.status;
  }
  return true;
}

const KNOWN = new Set<string>(["id", ...EDITABLE_FIELDS]);

function onlyKnownKeys(l: CanonicalListing): boolean {
  for (const k in l) if (!KNOWN.has(k)) return false;
  return true;
}

/** The listing (its `id` aside) as `CreateListingInput` would parse it, or undefined if unsure. */
export function quickCreate(l: CanonicalListing): CreateOutput | undefined {
  if (l.title === undefined || l.price === undefined || !onlyKnownKeys(l)) return undefined;
  const out: Record<string, unknown> = {};
  if (!checkPresent(l, out)) return undefined;
  out.currency ??= "USD";
  out.description ??= "";
  out.offerShipping ??= false;
  out.quantity ??= 1;
  out.imageUrls ??= [];
  out.marketplaceFields ??= {};
  out.status ??= "draft";
  if (minorUnitProblem(out.price, out.currency)) return undefined;
  return out as CreateOutput;
}

/** The listing (its `id` aside) as `UpdateListingInput` would parse it, or undefined if unsure. */
export function quickUpdate(l: CanonicalListing): UpdateOutput | undefined {
  if (!onlyKnownKeys(l)) return undefined;
  const out: Record<string, unknown> = {};
  return checkPresent(l, out) ? (out as UpdateOutput) : undefined;
}

/** The listing as the schemas take it: defined fields only, without `id`. */
export function listingInput(l: CanonicalListing): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(l)) if (v !== undefined && k !== "id") out[k] = v;
  return out;
}
