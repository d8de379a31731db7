import fc from "fast-check";
import type { ExportListing } from "../src/index";

const TRICKY = [
  "'",
  '"',
  "\\",
  "\n",
  "\r\n",
  "\t",
  ",",
  ";",
  "|",
  "=",
  "-",
  "+",
  "@",
  " ",
  "😀",
  "👩‍👩‍👧",
  "é",
  "€",
  "日本",
  "<b>",
  "\u2028",
  "''",
  "\\'",
  "$$",
  "E'",
  "--",
  "/*",
];

/**
 * Troublemakers of xlsx cells only: text that reads as a `_xHHHH_` escape, and characters written
 * as one (CR, controls, non-characters, an unpaired surrogate).
 */
const XLSX_TRICKY = [
  "_x0041_",
  "_x005F_",
  "_x005f_x0041_",
  "_x000D_",
  "_X0041_",
  "_x",
  "_",
  "\r",
  "\u0001",
  "\u001f",
  "\u007f",
  "\ufffe",
  "\ud800",
];

/** Characters each target can hold; everything else is removed from generated text. */
export type Target = "csv" | "json" | "xlsx" | "sql";

function clean(s: string, target: Target): string {
  const out = s.replaceAll("\u0000", "");
  // An xlsx cell holds every other UTF-16 unit, written as `_xHHHH_` where XML cannot.
  if (target === "xlsx") return out;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing exactly those characters
  return out.replace(/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "");
}

/** Random text mixing quoting/escaping troublemakers with arbitrary graphemes. */
export function text(target: Target, maxParts = 6): fc.Arbitrary<string> {
  return fc
    .array(
      fc.oneof(
        fc.constantFrom(...TRICKY, ...(target === "xlsx" ? XLSX_TRICKY : [])),
        fc.string({ unit: "grapheme", maxLength: 4 }),
      ),
      { maxLength: maxParts },
    )
    .map((parts) => clean(parts.join(""), target));
}

/** Text that survives trimming and is not empty (titles). */
export function title(target: Target): fc.Arbitrary<string> {
  return text(target)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** A canonical decimal price string. */
export const price = fc
  .tuple(fc.nat({ max: 999_999 }), fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }))
  .map(([i, f]) => (f === undefined ? String(i) : `${i}.${String(f).padStart(2, "0")}`));

const url = fc.webSegment().map((s) => `https://img.example.test/${s || "x"}.jpg`);

const jsonScalar = (target: Target) => fc.oneof(text(target), fc.integer(), fc.boolean());

/** marketplaceFields content that JSON can carry exactly. */
export function marketplaceFields(target: Target): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(
    text(target, 2).filter((k) => k !== "__proto__"),
    fc.oneof(jsonScalar(target), fc.array(jsonScalar(target), { maxLength: 3 })),
    { maxKeys: 3 },
  );
}

/** A listing using every canonical field, in the shape a generic import gives back. */
export function genericListing(target: Target): fc.Arbitrary<ExportListing> {
  return fc.record(
    {
      id: fc.uuid(),
      title: title(target),
      price,
      currency: fc.constantFrom("USD", "EUR", "GBP"),
      condition: title(target),
      description: text(target, 10),
      category: title(target),
      offerShipping: fc.boolean(),
      sku: title(target),
      quantity: fc.nat({ max: 100_000 }),
      imageUrls: fc.array(url, { maxLength: 4 }),
      status: fc.constantFrom("draft", "active", "archived"),
      marketplaceFields: marketplaceFields(target),
    },
    { requiredKeys: ["title", "price", "description", "imageUrls"] },
  ) as fc.Arbitrary<ExportListing>;
}

/** What a generic import gives back for a listing: absent text fields come back null. */
export function expectedGeneric(l: ExportListing): ExportListing {
  const out: ExportListing = {
    ...l,
    condition: l.condition ?? null,
    category: l.category ?? null,
    sku: l.sku ?? null,
  };
  if (out.marketplaceFields && Object.keys(out.marketplaceFields).length === 0)
    delete out.marketplaceFields;
  return out;
}
