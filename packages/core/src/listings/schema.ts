import { MARKETPLACES } from "@mbe/formats";
import { z } from "zod";
import { ZERO_DECIMAL_CURRENCIES } from "../bulk-edits/price-change";
import { boundedJson, someText } from "../json-bounds";
import { EDITABLE_FIELDS } from "./fields";

/**
 * PostgreSQL text cannot hold U+0000. Refused field by field, so a bulk upsert or an import reports
 * the row instead of the database refusing the whole batch.
 */
const noNul = (s: string) => !s.includes("\u0000");
const NUL_MESSAGE = "Text cannot contain the NUL character";

/**
 * Half of a character: a UTF-16 surrogate without its pair, as a client leaves when it cuts text
 * in the middle of an emoji. PostgreSQL's jsonb refuses it, which would fail a whole bulk batch
 * (the rows and their change set travel as JSON), so it is refused field by field as well.
 */
const LONE_SURROGATE = /\p{Surrogate}/u;
export const wholeCharacters = (s: string) => !LONE_SURROGATE.test(s);
const HALF_CHARACTER_MESSAGE = "Text holds half of a character (cut in the middle of an emoji?)";

const Text = () =>
  z.string().refine(noNul, NUL_MESSAGE).refine(wholeCharacters, HALF_CHARACTER_MESSAGE);
const Url = () =>
  z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .refine(noNul, NUL_MESSAGE)
    .refine(wholeCharacters, HALF_CHARACTER_MESSAGE);

/** Whether a string or key anywhere in free-form JSON holds half of a character. */
export const holdsHalfCharacter = (value: unknown) => someText(value, (t) => !wholeCharacters(t));

/** Prices stay below this: stored with two decimals, 9,999,999,999.995 would round past numeric(12,2). */
export const PRICE_BELOW = 9_999_999_999.995;

/** A yes/no query-string flag: `true` or `1` (or a boolean from tRPC); anything else is no. */
export const QueryFlag = z.preprocess((v) => v === "true" || v === true || v === "1", z.boolean());

const TWO_DECIMALS_MESSAGE = "Use a number with at most 2 decimals";

/**
 * A JSON number holds at most two decimals, as the text form must: 10.999 would otherwise be
 * rounded to 11.00 when stored, while "10.999" is refused. What binary floating point adds to a
 * price a client computed (1.1 * 3 is 3.3000000000000003) is not a third decimal: a number
 * within a billionth of a cent (or a few units in the last place) of whole cents is that amount.
 */
export const atMostTwoDecimals = (n: number) => {
  if (!Number.isFinite(n)) return false;
  const cents = n * 100;
  return Math.abs(cents - Math.round(cents)) <= Math.max(1e-9, Math.abs(cents) * 1e-12);
};

const Decimal = z
  .union([
    z.number().refine(atMostTwoDecimals, TWO_DECIMALS_MESSAGE),
    z
      .string()
      .trim()
      .regex(/^-?\d{1,10}(\.\d{1,2})?$/, TWO_DECIMALS_MESSAGE),
  ])
  .refine((v) => {
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 && n < PRICE_BELOW;
  }, "Price must be between 0 and 9,999,999,999.99");

const WHOLE_UNIT_CURRENCIES: ReadonlySet<string> = new Set(ZERO_DECIMAL_CURRENCIES);

/**
 * Why a price cannot be stored in a currency, or undefined when it can: currencies without minor
 * units (JPY, KRW…) take whole amounts only, since the marketplaces refuse ¥1,250.50. A value that
 * is no price at all is left to the price's own checks.
 */
export function minorUnitProblem(price: unknown, currency: unknown): string | undefined {
  if (typeof currency !== "string" || !WHOLE_UNIT_CURRENCIES.has(currency)) return undefined;
  if (typeof price !== "number" && typeof price !== "string") return undefined;
  const n = Number(price);
  if (!Number.isFinite(n) || Number.isInteger(n)) return undefined;
  return `${currency} has no minor unit: ${typeof price === "string" ? price.trim() : price}`;
}

/** Keys of a listing body no listing field or `except` names: they are ignored, and said so. */
export function unknownListingKeys(
  body: Record<string, unknown>,
  except: readonly string[] = [],
): string[] {
  const known = new Set<string>([...EDITABLE_FIELDS, ...except]);
  return Object.keys(body).filter((k) => !known.has(k));
}

/** The warning a response carries for each key of the body it ignored. */
export const unknownKeyWarnings = (keys: readonly string[]) =>
  keys.map((field) => ({
    field,
    code: "UNKNOWN_FIELD",
    message: `'${field}' is not a listing field and was ignored`,
  }));

/** How much JSON a listing's marketplace fields may hold. */
export const MARKETPLACE_FIELDS_MAX_CHARS = 32_768;

const MarketplaceFields = z
  .record(z.string().max(100), z.unknown())
  .superRefine(boundedJson("Marketplace fields", MARKETPLACE_FIELDS_MAX_CHARS))
  .refine(
    (v) => !holdsHalfCharacter(v),
    "Marketplace fields hold half of a character (cut in the middle of an emoji?)",
  );

/** Every editable listing field with its bounds; one schema for REST, tRPC and imports. */
export const ListingFields = z.object({
  title: Text().trim().min(1, "Title is required").max(500),
  price: Decimal,
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, "Currency is a 3-letter ISO code")
    .default("USD"),
  condition: Text().trim().max(100).nullable().optional(),
  description: Text().max(20_000).default(""),
  category: Text().trim().max(500).nullable().optional(),
  offerShipping: z.boolean().default(false),
  sku: Text().trim().min(1).max(100).nullable().optional(),
  quantity: z.number().int().min(0).max(1_000_000).default(1),
  imageUrls: z.array(Url()).max(24).default([]),
  marketplaceFields: MarketplaceFields.default({}),
  status: z.enum(["draft", "active", "archived"]).default("draft"),
});

/** A new listing: its fields, and a price its currency can hold. */
export const CreateListingInput = ListingFields.superRefine((v, ctx) => {
  const problem = minorUnitProblem(v.price, v.currency);
  if (problem) ctx.addIssue({ code: "custom", path: ["price"], message: problem });
});
export type CreateListingInput = z.input<typeof CreateListingInput>;

/** A partial update; `version` is the one the client last saw (optimistic concurrency). */
export const UpdateListingInput = z
  .object({
    title: ListingFields.shape.title,
    price: Decimal,
    currency: z.string().regex(/^[A-Z]{3}$/),
    condition: ListingFields.shape.condition,
    description: Text().max(20_000),
    category: ListingFields.shape.category,
    offerShipping: z.boolean(),
    sku: ListingFields.shape.sku,
    quantity: z.number().int().min(0).max(1_000_000),
    imageUrls: z.array(Url()).max(24),
    marketplaceFields: MarketplaceFields,
    status: z.enum(["draft", "active", "archived"]),
  })
  .partial()
  .extend({ version: z.number().int().positive().optional() });
export type UpdateListingInput = z.input<typeof UpdateListingInput>;

export const Marketplace = z.enum(MARKETPLACES);

export const SORTS = [
  "updatedAt:desc",
  "updatedAt:asc",
  "createdAt:desc",
  "createdAt:asc",
  "price:asc",
  "price:desc",
  "title:asc",
  "title:desc",
] as const;

const csvOrArray = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => (typeof v === "string" ? v.split(",").filter(Boolean) : v),
    z.array(item).max(10_000),
  );

/**
 * A price bound from a query string or JSON. An empty value (`priceMax=` from a form) is no
 * bound, as it is for the other filters, rather than the bound 0 a plain coercion makes of it.
 */
export const PriceBound = z.preprocess(
  (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
  z.coerce.number().min(0).optional(),
);

/** Which listings: used by the list, bulk actions on a filter, and exports. */
export const ListingFilter = z.object({
  status: csvOrArray(z.enum(["draft", "active", "archived"])).optional(),
  category: z.string().max(500).optional(),
  condition: z.string().max(100).optional(),
  priceMin: PriceBound,
  priceMax: PriceBound,
  q: z.string().max(200).optional(),
  source: z.enum(["manual", "import", "ocr", "api"]).optional(),
  ids: csvOrArray(z.uuid()).optional(),
});
export type ListingFilter = z.infer<typeof ListingFilter>;

/** Longest listing cursor: a 500-character title, each character up to 6 bytes as JSON, in base64. */
const CURSOR_MAX_CHARS = 4096;

export const ListListingsInput = ListingFilter.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /**
   * `nextCursor` of the page before. It carries the last row's sort value: a title of 500
   * characters takes up to about 4,000 (UTF-8, JSON escapes, base64).
   */
  cursor: z.string().max(CURSOR_MAX_CHARS).optional(),
  /** Row offset for grids that jump to a scroll position; ignored when a cursor is given. */
  offset: z.coerce.number().int().min(0).max(10_000_000).optional(),
  sort: z.enum(SORTS).default("updatedAt:desc"),
  marketplace: Marketplace.optional(),
  includeTotal: QueryFlag.optional(),
});
export type ListListingsInput = z.input<typeof ListListingsInput>;
