import type { CanonicalListing } from "../listing";
import {
  EBAY_ACTIONS,
  ebayConditionIdFor,
  isEbayDuration,
  parseEbayActionHeader,
} from "../marketplaces/ebay";
import { EBAY_CONDITION_IDS } from "../marketplaces/rules";
import type { RawRow } from "../read/csv";
import type { MapOptions } from "./facebook-map";
import type { ImportedListing, RowMapper } from "./problems";
import { RowContext } from "./row-context";
import { isHttpUrl, parsePrice } from "./text";

/** eBay column name without `*` and without the Action parameters, lower-cased. */
export function ebayKey(header: string): string {
  const t = header.trim().replace(/^\*/, "");
  if (/^action\s*(\(|$)/i.test(t)) return "action";
  return t.toLowerCase();
}

const KNOWN = new Set([
  "action",
  "itemid",
  "category",
  "title",
  "subtitle",
  "description",
  "conditionid",
  "conditiondescription",
  "format",
  "duration",
  "startprice",
  "buyitnowprice",
  "quantity",
  "picurl",
  "customlabel",
  "location",
  "postalcode",
]);

/** Maps eBay File Exchange rows; eBay-only values go to `marketplaceFields`. */
export function createEbayMapper(headers: readonly string[], options: MapOptions = {}): RowMapper {
  const keys = headers.map(ebayKey);
  const idx = new Map<string, number>();
  keys.forEach((k, i) => {
    if (!idx.has(k)) idx.set(k, i);
  });
  const actionHeader = headers[idx.get("action") ?? -1] ?? "";
  const actionParams = parseEbayActionHeader(actionHeader) ?? {};
  const col = (k: string) => headers[idx.get(k) ?? -1] ?? k;
  return (raw: RawRow): ImportedListing => {
    const ctx = new RowContext(raw.row);
    const v = (k: string) => (raw.values[idx.get(k) ?? -1] ?? "").trim();
    const actionRaw = v("action");
    let action = EBAY_ACTIONS.find((a) => a.toLowerCase() === actionRaw.toLowerCase());
    // Every error reported with a suggestion is treated as fixed by an import that applies fixes,
    // so each such fix below is also put into the listing when `applyFixes` is set.
    if (!action) {
      ctx.error(
        col("action"),
        actionRaw,
        "INVALID_ACTION",
        `Action must be one of ${EBAY_ACTIONS.join(", ")}`,
        {
          suggestion: "Add",
        },
      );
      if (options.applyFixes) action = "Add";
    }
    const creating = action === undefined || action === "Add" || action === "VerifyAdd";
    let title = v("title");
    if (creating && !title)
      ctx.error(col("title"), title, "REQUIRED", "eBay requires a title", { field: "title" });
    if (title.length > 80) {
      const cut = title.slice(0, 80).trimEnd();
      ctx.error(col("title"), title, "TOO_LONG", `Title is ${title.length}/80 characters`, {
        suggestion: cut,
        field: "title",
      });
      if (options.applyFixes) title = cut;
    }
    const categoryId = v("category");
    if (categoryId && !/^\d+$/.test(categoryId)) {
      ctx.error(
        col("category"),
        categoryId,
        "INVALID_CATEGORY_ID",
        "Category must be eBay's numeric leaf category id",
        {
          field: "category",
        },
      );
    } else if (creating && !categoryId) {
      ctx.error(col("category"), categoryId, "REQUIRED", "eBay requires a category id", {
        field: "category",
      });
    }
    const condRaw = v("conditionid");
    let conditionId: string | null = null;
    if (condRaw) {
      if (EBAY_CONDITION_IDS[condRaw]) conditionId = condRaw;
      else {
        const s = ebayConditionIdFor(condRaw);
        ctx.error(
          col("conditionid"),
          condRaw,
          "INVALID_CONDITION",
          "ConditionID must be one of eBay's numeric condition codes",
          {
            ...(s ? { suggestion: s } : {}),
            field: "condition",
          },
        );
        if (s && options.applyFixes) conditionId = s;
      }
    } else if (creating && idx.has("conditionid")) {
      ctx.error(col("conditionid"), condRaw, "REQUIRED", "eBay requires a ConditionID", {
        field: "condition",
      });
    }
    const formatRaw = v("format");
    let format = ["FixedPrice", "Auction"].find((f) => f.toLowerCase() === formatRaw.toLowerCase());
    if (formatRaw && !format) {
      ctx.error(
        col("format"),
        formatRaw,
        "INVALID_FORMAT",
        "Format must be FixedPrice or Auction",
        {
          suggestion: "FixedPrice",
        },
      );
      if (options.applyFixes) format = "FixedPrice";
    }
    let duration = v("duration");
    if (duration && !isEbayDuration(duration)) {
      const fix = format === "Auction" ? "Days_7" : "GTC";
      ctx.error(col("duration"), duration, "INVALID_DURATION", "Duration must be GTC or Days_N", {
        suggestion: fix,
      });
      if (options.applyFixes) duration = fix;
    } else if (duration && format === "FixedPrice" && duration !== "GTC") {
      ctx.warn(
        col("duration"),
        duration,
        "INVALID_DURATION",
        "Fixed-price listings on eBay run Good 'Til Cancelled",
        {
          suggestion: "GTC",
        },
      );
    }
    const priceRaw = v("startprice");
    let price = "";
    if (priceRaw) {
      const p = parsePrice(priceRaw);
      if (!p || Number(p.value) <= 0) {
        ctx.error(
          col("startprice"),
          priceRaw,
          "INVALID_PRICE",
          "StartPrice must be a positive decimal",
          { field: "price" },
        );
      } else {
        price = p.value;
        if (p.cleaned) {
          ctx.warn(
            col("startprice"),
            priceRaw,
            "PRICE_FORMAT",
            "StartPrice takes no currency sign or separators",
            {
              suggestion: p.value,
              field: "price",
            },
          );
        }
      }
    } else if (creating) {
      ctx.error(col("startprice"), priceRaw, "REQUIRED", "eBay requires a StartPrice", {
        field: "price",
      });
    }
    const qtyRaw = v("quantity");
    let quantity: number | undefined;
    if (qtyRaw) {
      if (/^\d+$/.test(qtyRaw) && Number(qtyRaw) >= 1) quantity = Number(qtyRaw);
      else
        ctx.error(
          col("quantity"),
          qtyRaw,
          "INVALID_QUANTITY",
          "Quantity must be a whole number of at least 1",
          { field: "quantity" },
        );
    }
    const pics = v("picurl")
      .split("|")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    if (pics.length > 24) {
      ctx.warn(
        col("picurl"),
        v("picurl").slice(0, 200),
        "TOO_MANY_IMAGES",
        "eBay accepts at most 24 picture URLs",
        {
          field: "imageUrls",
        },
      );
    }
    for (const u of pics) {
      if (!isHttpUrl(u)) {
        ctx.warn(col("picurl"), u, "INVALID_URL", "Picture URLs must be http(s) links", {
          field: "imageUrls",
        });
      }
    }
    const itemSpecifics: Record<string, string> = {};
    const extra: Record<string, string> = {};
    headers.forEach((hd, i) => {
      const val = raw.values[i] ?? "";
      const k = keys[i] as string;
      if (/^c:/i.test(hd.trim())) {
        if (val !== "") itemSpecifics[hd.trim().slice(2).trim()] = val;
      } else if (!KNOWN.has(k) && val !== "" && hd.trim() !== "") extra[hd.trim()] = val;
    });
    const mf: Record<string, unknown> = {};
    if (action) mf.action = action;
    if (v("itemid")) mf.itemId = v("itemid");
    if (categoryId) mf.ebayCategoryId = categoryId;
    if (conditionId) mf.conditionId = conditionId;
    if (v("conditiondescription")) mf.conditionDescription = v("conditiondescription");
    if (format) mf.format = format;
    if (duration) mf.duration = duration;
    if (v("subtitle")) mf.subtitle = v("subtitle");
    if (v("buyitnowprice")) mf.buyItNowPrice = v("buyitnowprice");
    if (v("location")) mf.location = v("location");
    if (v("postalcode")) mf.postalCode = v("postalcode");
    if (Object.keys(itemSpecifics).length > 0) mf.itemSpecifics = itemSpecifics;
    if (Object.keys(extra).length > 0) mf.ebayExtra = extra;
    if (Object.keys(actionParams).length > 0) mf.ebaySite = actionParams;
    const description = raw.values[idx.get("description") ?? -1] ?? "";
    // eBay leaves a field a Revise (or Relist, End) row leaves blank as it is: such a row
    // carries only the fields it fills, so updating a listing from it keeps the rest.
    const keep = (filled: boolean) => creating || filled;
    const listing = {
      ...(keep(title !== "") ? { title } : {}),
      ...(keep(price !== "") ? { price } : {}),
      ...(actionParams.Currency ? { currency: actionParams.Currency } : {}),
      ...(keep(conditionId !== null)
        ? { condition: conditionId ? (EBAY_CONDITION_IDS[conditionId] ?? null) : null }
        : {}),
      ...(keep(description !== "") ? { description } : {}),
      ...(keep(v("customlabel") !== "") ? { sku: v("customlabel") || null } : {}),
      ...(quantity !== undefined ? { quantity } : {}),
      ...(keep(pics.length > 0) ? { imageUrls: pics } : {}),
      marketplaceFields: mf,
    } as CanonicalListing;
    return { row: raw.row, rows: [raw.row], listing, problems: ctx.problems, ok: ctx.ok };
  };
}
