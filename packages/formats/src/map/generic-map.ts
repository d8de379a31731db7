import type { CanonicalListing } from "../listing";
import type { RawRow } from "../read/csv";
import type { ColumnMapping } from "./fields";
import type { ImportedListing, RowMapper } from "./problems";
import { RowContext } from "./row-context";
import { isHttpUrl, parseBoolean, parsePrice } from "./text";

/** Maps rows of any table through a header → field mapping (see suggestMapping). */
export function createGenericMapper(headers: readonly string[], mapping: ColumnMapping): RowMapper {
  const fieldCol = new Map<string, number>();
  headers.forEach((h, i) => {
    const f = mapping[h];
    if (f && f !== "ignore" && !fieldCol.has(f)) fieldCol.set(f, i);
  });
  const col = (f: string) => headers[fieldCol.get(f) ?? -1] ?? f;
  return (raw: RawRow): ImportedListing => {
    const ctx = new RowContext(raw.row);
    const has = (f: string) => fieldCol.has(f);
    const v = (f: string) => raw.values[fieldCol.get(f) ?? -1] ?? "";
    // A file with no title or price column at all (stock or price updates by SKU) leaves that
    // field out: an update keeps the listing's, and a new listing is refused without it.
    const listing = (has("title") ? { title: v("title").trim() } : {}) as CanonicalListing;
    if (has("title") && !listing.title)
      ctx.error(col("title"), v("title"), "REQUIRED", "A title is required", { field: "title" });
    const priceRaw = v("price").trim();
    if (has("price")) listing.price = "";
    if (!priceRaw) {
      if (has("price"))
        ctx.error(col("price"), priceRaw, "REQUIRED", "A price is required", { field: "price" });
    } else {
      const p = parsePrice(priceRaw);
      if (!p)
        ctx.error(col("price"), priceRaw, "INVALID_PRICE", "Price is not a number", {
          field: "price",
        });
      else {
        listing.price = p.value;
        if (p.cleaned) {
          ctx.warn(
            col("price"),
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
    if (has("id") && v("id") !== "") listing.id = v("id");
    if (has("currency") && v("currency").trim() !== "") listing.currency = v("currency").trim();
    if (has("condition")) listing.condition = v("condition") === "" ? null : v("condition");
    if (has("description")) listing.description = v("description");
    if (has("category")) listing.category = v("category") === "" ? null : v("category");
    if (has("sku")) listing.sku = v("sku") === "" ? null : v("sku");
    if (has("offerShipping") && v("offerShipping").trim() !== "") {
      const b = parseBoolean(v("offerShipping"));
      if (b === null) {
        ctx.warn(col("offerShipping"), v("offerShipping"), "INVALID_BOOLEAN", "Use Yes or No", {
          field: "offerShipping",
        });
      } else listing.offerShipping = b;
    }
    if (has("quantity") && v("quantity").trim() !== "") {
      const q = v("quantity").trim();
      if (/^\d+$/.test(q) && Number.isSafeInteger(Number(q))) listing.quantity = Number(q);
      else
        ctx.error(col("quantity"), q, "INVALID_QUANTITY", "Quantity must be a whole number ≥ 0", {
          field: "quantity",
        });
    }
    if (has("imageUrls")) {
      const raw = v("imageUrls").trim();
      let urls: string[] = [];
      if (raw.startsWith("[")) {
        try {
          const arr: unknown = JSON.parse(raw);
          if (Array.isArray(arr)) urls = arr.map((x) => String(x));
        } catch {
          urls = [];
        }
      } else if (raw) urls = raw.split(/\s*[|\n]\s*/).filter((s) => s !== "");
      for (const u of urls) {
        if (!isHttpUrl(u))
          ctx.warn(col("imageUrls"), u, "INVALID_URL", "Image URLs must be http(s) links", {
            field: "imageUrls",
          });
      }
      listing.imageUrls = urls;
    }
    if (has("status") && v("status").trim() !== "") {
      const s = v("status").trim().toLowerCase();
      if (s === "draft" || s === "active" || s === "archived") listing.status = s;
      else
        ctx.warn(
          col("status"),
          v("status"),
          "INVALID_STATUS",
          "Status must be draft, active or archived",
          { field: "status" },
        );
    }
    if (has("marketplaceFields") && v("marketplaceFields").trim() !== "") {
      try {
        const o: unknown = JSON.parse(v("marketplaceFields"));
        if (o && typeof o === "object" && !Array.isArray(o))
          listing.marketplaceFields = o as Record<string, unknown>;
        else throw new Error("not an object");
      } catch {
        ctx.warn(
          col("marketplaceFields"),
          v("marketplaceFields").slice(0, 200),
          "INVALID_JSON",
          "Marketplace fields must be a JSON object",
          {
            field: "marketplaceFields",
          },
        );
      }
    }
    return { row: raw.row, rows: [raw.row], listing, problems: ctx.problems, ok: ctx.ok };
  };
}
