import type { Listing } from "@mbe/db";
import { diffFields, EDITABLE_FIELDS, type EditableField, type Snapshot } from "../listings/fields";
import { PRICE_BELOW, UpdateListingInput } from "../listings/schema";
import { ZERO_DECIMAL_CURRENCIES } from "./price-change";
import { MAX_RESULT_CHARS, replaceAll } from "./replace";
import { type BulkOperation, TEXT_FIELDS } from "./schema";

/**
 * A listing as a bulk edit reads it: its id, version and title (for the preview), and only the
 * fields the edit touches ({@link fieldsToLoad}), so a find and replace over titles does not
 * bring every description of a large catalogue into memory.
 */
export type PlanRow = Pick<Listing, "id" | "version" | "title"> &
  Partial<Pick<Listing, EditableField>>;

export interface PlannedChange {
  row: PlanRow;
  before: Snapshot;
  after: Snapshot;
}

/** The editable fields `op` reads or writes (the template's for applyTemplate). */
export function fieldsToLoad(
  op: BulkOperation,
  templateFields?: Record<string, unknown>,
): EditableField[] {
  const wanted: readonly string[] =
    op.kind === "findReplace"
      ? op.field === "all"
        ? TEXT_FIELDS
        : [op.field]
      : op.kind === "setField"
        ? [op.field]
        : op.kind === "applyTemplate"
          ? Object.keys(templateFields ?? {})
          : EDITABLE_FIELDS;
  // A price is whole in some currencies: setting either field needs the other to check it.
  const priced = wanted.includes("price") || wanted.includes("currency");
  return EDITABLE_FIELDS.filter(
    (f) => wanted.includes(f) || (priced && (f === "price" || f === "currency")),
  );
}

const WHOLE_CURRENCIES: ReadonlySet<string> = new Set(ZERO_DECIMAL_CURRENCIES);
/** The largest whole amount numeric(12,2) holds below {@link PRICE_BELOW}. */
const MAX_WHOLE_PRICE = 9_999_999_999;

/**
 * When a patch sets the currency or the price, and the listing ends up in a currency without
 * minor units (JPY, KRW…) with a price in cents, the price is rounded to whole units (half up, as
 * a price change rounds): the marketplaces refuse ¥1,250.50. A value that is no valid price is
 * left for validation to refuse.
 */
function roundToWholeUnits(patch: Partial<Record<EditableField, unknown>>, row: PlanRow) {
  if (patch.currency === undefined && patch.price === undefined) return;
  const currency = patch.currency ?? row.currency;
  if (typeof currency !== "string" || !WHOLE_CURRENCIES.has(currency)) return;
  const price = patch.price ?? row.price;
  if (typeof price !== "number" && typeof price !== "string") return;
  if (typeof price === "string" && !/^\d{1,10}(\.\d{1,2})?$/.test(price.trim())) return;
  const n = Number(price);
  if (!Number.isFinite(n) || n < 0 || n >= PRICE_BELOW || Number.isInteger(n)) return;
  patch.price = Math.min(Math.round(n), MAX_WHOLE_PRICE);
}

/** In a `u` pattern a surrogate pair is one code point, so `\p{Cs}` finds only lone halves. */
const LONE_SURROGATE = /\p{Cs}/u;

function hasLoneSurrogate(v: unknown): boolean {
  if (typeof v === "string") return LONE_SURROGATE.test(v);
  if (Array.isArray(v)) return v.some(hasLoneSurrogate);
  if (v && typeof v === "object")
    return Object.entries(v).some(([k, x]) => hasLoneSurrogate(k) || hasLoneSurrogate(x));
  return false;
}

/** Works out, row by row, what an operation changes; invalid results are counted as rejected. */
export async function planChanges(
  rows: PlanRow[],
  op: BulkOperation,
  templateFields?: Record<string, unknown>,
) {
  const planned: PlannedChange[] = [];
  const rejected: { id: string; message: string }[] = [];
  const patches: Partial<Record<EditableField, unknown>>[] = rows.map(() => ({}));
  /** Rows whose replacement would outgrow every text field, with the field. */
  const tooLong = new Map<number, string>();
  if (op.kind === "findReplace") {
    const fields = op.field === "all" ? TEXT_FIELDS : [op.field];
    // In one chosen field an empty or missing value is searched as "", so a pattern that matches
    // the empty string (`^$` → "N/A") fills the blanks. Across all text fields only text is
    // searched: filling every blank SKU, category and condition alike is never what is meant.
    const blanks = op.field !== "all";
    for (const f of fields) {
      const idx: number[] = [];
      const vals: string[] = [];
      rows.forEach((r, i) => {
        const v = r[f] ?? "";
        if (typeof v === "string" && (blanks || v.length > 0)) {
          idx.push(i);
          vals.push(v);
        }
      });
      const out = await replaceAll(vals, op);
      idx.forEach((rowIndex, j) => {
        const next = out[j];
        const patch = patches[rowIndex];
        if (next === null) tooLong.set(rowIndex, f);
        else if (patch && next !== undefined && next !== vals[j])
          patch[f] = f === "sku" || f === "category" || f === "condition" ? next || null : next;
      });
    }
  } else if (op.kind === "setField") {
    for (const p of patches) p[op.field] = op.value;
  } else if (op.kind === "applyTemplate") {
    for (const p of patches) Object.assign(p, templateFields ?? {});
  }
  rows.forEach((row, i) => {
    const long = tooLong.get(i);
    if (long) {
      rejected.push({
        id: row.id,
        message: `${long}: the result would be longer than ${MAX_RESULT_CHARS.toLocaleString("en-US")} characters`,
      });
      return;
    }
    const patch = patches[i] ?? {};
    if (Object.keys(patch).length === 0) return;
    roundToWholeUnits(patch, row);
    const valid = UpdateListingInput.safeParse(patch);
    if (!valid.success) {
      rejected.push({
        id: row.id,
        message: valid.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; "),
      });
      return;
    }
    const { before, after, changed } = diffFields(row, valid.data);
    // A lone UTF-16 surrogate (sent, or left by replacing half of an emoji) cannot be stored as
    // JSON in the change set: the row is refused rather than failing the whole edit.
    const broken = Object.entries(after).filter(([, v]) => hasLoneSurrogate(v));
    if (broken.length) {
      rejected.push({
        id: row.id,
        message: broken
          .map(([f]) => `${f}: Text has a broken character (a lone surrogate)`)
          .join("; "),
      });
      return;
    }
    if (changed) planned.push({ row, before, after });
  });
  return { planned, rejected };
}
