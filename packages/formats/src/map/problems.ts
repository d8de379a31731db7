import type { CanonicalListing } from "../listing";
import type { RawRow } from "../read/csv";

/** Codes of cell-level problems found while mapping rows to listings. */
export const PROBLEM_CODES = [
  "REQUIRED",
  "TOO_LONG",
  "INVALID_PRICE",
  "PRICE_FORMAT",
  "WHOLE_DOLLARS",
  "AMBIGUOUS_PRICE",
  "INVALID_CONDITION",
  "CONDITION_FORMAT",
  "UNKNOWN_CATEGORY",
  "CATEGORY_FORMAT",
  "CATEGORY_NOT_LEAF",
  "HTML_ENTITIES",
  "INVALID_QUANTITY",
  "INVALID_BOOLEAN",
  "INVALID_URL",
  "INVALID_STATUS",
  "INVALID_JSON",
  "INVALID_ACTION",
  "INVALID_FORMAT",
  "INVALID_DURATION",
  "INVALID_CATEGORY_ID",
  "INVALID_HANDLE",
  "INVALID_INVENTORY_POLICY",
  "TOO_MANY_IMAGES",
  "TOO_MANY_VARIANTS",
  "DUPLICATE_HANDLE",
] as const;

/** One of {@link PROBLEM_CODES}. */
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/**
 * A bad cell: where it is (row as the user sees it, column header), what it holds, why it is
 * wrong and, when one exists, the value that would fix it. `error` blocks the marketplace upload;
 * `warning` was read but deserves a look (and was usually fixed already, e.g. `$1,299` → 1299).
 */
export interface RowProblem {
  row: number;
  column: string;
  value: string;
  code: ProblemCode;
  severity: "error" | "warning";
  message: string;
  suggestion?: string;
  /** The listing field the cell feeds, when there is one. */
  field?: keyof CanonicalListing;
}

/** One listing read from one or more rows (a Shopify product spans several). */
export interface ImportedListing {
  /** First row of the listing, as the user sees it in the file. */
  row: number;
  rows: number[];
  /** Null only when the rows cannot form a listing (e.g. a Shopify row without a handle). */
  listing: CanonicalListing | null;
  problems: RowProblem[];
  /** True when no problem has severity `error`. */
  ok: boolean;
}

/** Maps one row of a one-row-per-listing layout (facebook, ebay, generic). */
export type RowMapper = (row: RawRow) => ImportedListing;
