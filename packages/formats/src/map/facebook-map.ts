import type { CanonicalListing } from "../listing";
import {
  FACEBOOK_TEMPLATE,
  matchFacebookCategory,
  suggestFacebookCondition,
} from "../marketplaces/facebook";
import { FACEBOOK_CONDITIONS } from "../marketplaces/rules";
import type { RawRow } from "../read/csv";
import { normalizeHeader } from "./fields";
import type { ImportedListing, RowMapper } from "./problems";
import { HeaderIndex, RowContext } from "./row-context";
import { decodeHtmlEntities, parseBoolean, parsePrice } from "./text";

/** One to three digits, a dot, three digits: a thousands dot as often as a decimal point. */
const THOUSANDS_DOT = /^[1-9]\d{0,2}\.\d{3}$/;

/** A price as written, without a currency sign, code or spaces around the number. */
function bareAmount(raw: string): string {
  return raw
    .trim()
    .replace(/^(usd|cad|eur|gbp|aud|us)\s*/i, "")
    .replace(/\s*(usd|cad|eur|gbp|aud)$/i, "")
    .replace(/[$€£¥\s\u00a0]/g, "");
}

/** Options shared by the marketplace mappers. */
export interface MapOptions {
  /** Put suggested fixes (condition, category…) into the listing; problems are still reported. */
  applyFixes?: boolean;
}

function decoded(
  ctx: RowContext,
  column: string,
  raw: string,
  field: keyof CanonicalListing,
): string {
  const out = decodeHtmlEntities(raw);
  if (out !== raw) {
    ctx.warn(
      column,
      raw,
      "HTML_ENTITIES",
      "HTML entities such as &amp; were decoded to plain text",
      {
        suggestion: out,
        field,
      },
    );
  }
  return out;
}

/** Maps rows of Facebook's bulk-upload layout to listings, reporting every cell Facebook rejects. */
export function createFacebookMapper(
  headers: readonly string[],
  options: MapOptions = {},
): RowMapper {
  const h = new HeaderIndex(headers, normalizeHeader);
  const col = (name: string) => h.header(normalizeHeader(name));
  const [TITLE, PRICE, CONDITION, DESCRIPTION, CATEGORY, SHIPPING] = FACEBOOK_TEMPLATE.headers.map(
    (x) => normalizeHeader(x),
  ) as [string, string, string, string, string, string];
  return (raw: RawRow): ImportedListing => {
    const ctx = new RowContext(raw.row);
    const v = (k: string) => h.get(raw.values, k).trim();

    const titleRaw = v(TITLE);
    let title = decoded(ctx, col(TITLE), titleRaw, "title");
    if (!title)
      ctx.error(col(TITLE), titleRaw, "REQUIRED", "Facebook requires a title", { field: "title" });
    else if (title.length > 150) {
      ctx.error(col(TITLE), titleRaw, "TOO_LONG", `Title is ${title.length}/150 characters`, {
        suggestion: title.slice(0, 150).trimEnd(),
        field: "title",
      });
      if (options.applyFixes) title = title.slice(0, 150).trimEnd();
    }

    const priceRaw = v(PRICE);
    let price = "";
    if (!priceRaw) {
      ctx.error(col(PRICE), priceRaw, "REQUIRED", "Price is missing: Facebook requires a price", {
        field: "price",
      });
    } else if (THOUSANDS_DOT.test(bareAmount(priceRaw))) {
      // Facebook takes whole dollars, so 1.299 is most likely 1299 written with a thousands dot
      // (as much of Europe writes it), not a dollar and change: the seller decides.
      const suggestion = bareAmount(priceRaw).replace(".", "");
      ctx.error(
        col(PRICE),
        priceRaw,
        "AMBIGUOUS_PRICE",
        `Facebook prices are whole dollars: is ${priceRaw} meant as ${suggestion}? Write it without a separator`,
        { suggestion, field: "price" },
      );
      if (options.applyFixes) price = suggestion;
    } else {
      const p = parsePrice(priceRaw);
      if (!p || p.value.startsWith("-")) {
        ctx.error(
          col(PRICE),
          priceRaw,
          "INVALID_PRICE",
          "Price must be a whole number of dollars",
          {
            field: "price",
          },
        );
      } else {
        price = p.value;
        const whole = String(Math.round(Number(p.value)));
        if (!/^\d+$/.test(p.value)) {
          ctx.error(col(PRICE), priceRaw, "WHOLE_DOLLARS", "Facebook prices are whole dollars", {
            suggestion: whole,
            field: "price",
          });
          if (options.applyFixes) price = whole;
        } else if (p.cleaned) {
          ctx.warn(
            col(PRICE),
            priceRaw,
            "PRICE_FORMAT",
            "Currency signs and separators were removed",
            {
              suggestion: p.value,
              field: "price",
            },
          );
        }
      }
    }

    const condRaw = v(CONDITION);
    let condition: string | null = condRaw || null;
    if (!condRaw) {
      ctx.error(col(CONDITION), condRaw, "REQUIRED", "Facebook requires a condition", {
        suggestion: "New",
        field: "condition",
      });
      // An import that applies fixes treats this error as fixed, so the listing must hold the fix.
      if (options.applyFixes) condition = "New";
    } else if (!(FACEBOOK_CONDITIONS as readonly string[]).includes(condRaw)) {
      const s = suggestFacebookCondition(condRaw);
      const exactish =
        s !== null && s.toLowerCase() === condRaw.toLowerCase().replace(/\s*[-–]\s*/, " - ");
      ctx.add(
        exactish ? "warning" : "error",
        col(CONDITION),
        condRaw,
        exactish ? "CONDITION_FORMAT" : "INVALID_CONDITION",
        `Condition must be one of: ${FACEBOOK_CONDITIONS.join(", ")}`,
        { ...(s ? { suggestion: s } : {}), field: "condition" },
      );
      if (s && (options.applyFixes || exactish)) condition = s;
    }

    const descRaw = h.get(raw.values, DESCRIPTION);
    const description = decoded(ctx, col(DESCRIPTION), descRaw, "description");
    if (description.length > 5000) {
      ctx.error(
        col(DESCRIPTION),
        descRaw.slice(0, 200),
        "TOO_LONG",
        `Description is ${description.length}/5000 characters`,
        {
          field: "description",
        },
      );
    }

    const catRaw = v(CATEGORY);
    let category: string | null = catRaw ? decodeHtmlEntities(catRaw) : null;
    if (category) {
      // The title helps choose a full path when only a parent category was given.
      const m = matchFacebookCategory(category, title);
      if (m.kind === "reformatted") {
        ctx.warn(
          col(CATEGORY),
          catRaw,
          "CATEGORY_FORMAT",
          "Category levels must be separated by //",
          {
            suggestion: m.path,
            field: "category",
          },
        );
        category = m.path;
      } else if (m.kind === "ancestor") {
        // The template lists only full paths, so the fix is the best full path under this one.
        // Kept a warning: files from the older editor use top-level categories and import clean.
        ctx.warn(
          col(CATEGORY),
          catRaw,
          "CATEGORY_NOT_LEAF",
          `"${catRaw}" is not a full template category; choose a path under it such as "${m.example}"`,
          {
            suggestion: m.example,
            field: "category",
          },
        );
        category = options.applyFixes ? m.example : m.path;
      } else if (m.kind === "nearest") {
        ctx.error(
          col(CATEGORY),
          catRaw,
          "UNKNOWN_CATEGORY",
          "Category is not one of Facebook's template categories",
          {
            suggestion: m.path,
            field: "category",
          },
        );
        if (options.applyFixes) category = m.path;
      }
    }

    const shipRaw = v(SHIPPING);
    let offerShipping: boolean | undefined;
    if (shipRaw) {
      const b = parseBoolean(shipRaw);
      if (b === null) {
        ctx.warn(col(SHIPPING), shipRaw, "INVALID_BOOLEAN", "OFFER SHIPPING should be Yes or No", {
          field: "offerShipping",
        });
      } else offerShipping = b;
    }

    const listing: CanonicalListing = {
      title,
      price,
      currency: "USD",
      condition,
      description,
      category,
      ...(offerShipping !== undefined ? { offerShipping } : {}),
    };
    return { row: raw.row, rows: [raw.row], listing, problems: ctx.problems, ok: ctx.ok };
  };
}
