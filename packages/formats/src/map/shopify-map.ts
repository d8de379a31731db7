import type { CanonicalListing } from "../listing";
import {
  SHOPIFY_VARIANT_KEYS,
  type ShopifyImage,
  type ShopifyKey,
  type ShopifyVariant,
  shopifyKeyForHeader,
} from "../marketplaces/shopify";
import type { RawRow } from "../read/csv";
import type { MapOptions } from "./facebook-map";
import type { ImportedListing } from "./problems";
import { RowContext } from "./row-context";
import { isHttpUrl, parseBoolean, parsePrice, slugify } from "./text";

const MAX_VARIANTS = 100;
const MAX_ROWS_PER_PRODUCT = 1000;

/** Streams listings out of rows; Shopify needs several rows per listing, the others one. */
export interface RowGrouper {
  push(row: RawRow): ImportedListing[];
  end(): ImportedListing[];
}

/**
 * Groups Shopify product CSV rows by Handle (first row = product, the rest variants/images) and
 * accepts both the classic and the newer header spellings.
 */
export function createShopifyGrouper(
  headers: readonly string[],
  mapOptions: MapOptions = {},
): RowGrouper {
  const keyIdx = new Map<ShopifyKey, number>();
  const extraCols: number[] = [];
  headers.forEach((h, i) => {
    const k = shopifyKeyForHeader(h);
    if (k && !keyIdx.has(k)) keyIdx.set(k, i);
    else if (!k && h.trim() !== "") extraCols.push(i);
  });
  const col = (k: ShopifyKey) => headers[keyIdx.get(k) ?? -1] ?? k;
  const seen = new Set<string>();
  let group: RawRow[] = [];
  let groupHandle = "";

  const get = (r: RawRow, k: ShopifyKey) => (r.values[keyIdx.get(k) ?? -1] ?? "").trim();

  const build = (rows: RawRow[], handle: string): ImportedListing => {
    const first = rows[0] as RawRow;
    const ctx = new RowContext(first.row);
    // Every error reported with a suggestion is treated as fixed by an import that applies fixes,
    // so each such fix below is also put into the listing when `applyFixes` is set.
    const fix = mapOptions.applyFixes === true;
    let handleOut = handle;
    if (!/^[a-z0-9-]+$/i.test(handle)) {
      const slug = slugify(handle);
      ctx.error(
        col("handle"),
        handle,
        "INVALID_HANDLE",
        "Handle may contain only letters, digits and dashes",
        // A handle with no letters or digits has no usable fix.
        slug ? { suggestion: slug } : {},
      );
      if (slug && fix) handleOut = slug;
    }
    if (seen.has(handleOut.toLowerCase())) {
      ctx.warn(
        col("handle"),
        handle,
        "DUPLICATE_HANDLE",
        "This handle appeared earlier in the file, apart from these rows",
      );
    }
    seen.add(handleOut.toLowerCase());
    const title = get(first, "title");
    if (!title)
      ctx.error(col("title"), title, "REQUIRED", "Shopify requires a title for new products", {
        field: "title",
      });
    const publishedRaw = get(first, "published");
    const published = publishedRaw ? parseBoolean(publishedRaw) : null;
    if (publishedRaw && (published === null || !/^(true|false)$/i.test(publishedRaw))) {
      ctx.warn(
        col("published"),
        publishedRaw,
        "INVALID_BOOLEAN",
        "Published must be TRUE or FALSE",
        {
          ...(published !== null ? { suggestion: published ? "TRUE" : "FALSE" } : {}),
        },
      );
    }
    const statusRaw = get(first, "status");
    let status: CanonicalListing["status"];
    if (statusRaw) {
      const s = statusRaw.toLowerCase();
      if (s === "active" || s === "draft" || s === "archived") status = s;
      else
        ctx.error(
          col("status"),
          statusRaw,
          "INVALID_STATUS",
          "Status must be active, draft or archived",
          { field: "status" },
        );
    } else if (published !== null) status = published ? "active" : "draft";

    const variants: ShopifyVariant[] = [];
    const images: ShopifyImage[] = [];
    const optionValues: string[][] = [[], [], []];
    for (const r of rows) {
      const rc = new RowContext(r.row);
      const isVariant = SHOPIFY_VARIANT_KEYS.some((k) => k !== "weightUnit" && get(r, k) !== "");
      if (isVariant) {
        const v: ShopifyVariant = {};
        for (const k of SHOPIFY_VARIANT_KEYS) {
          const val = get(r, k);
          if (val !== "") v[k] = val;
        }
        const priceRaw = v.price ?? "";
        if (priceRaw && !/^\d+(\.\d+)?$/.test(priceRaw)) {
          const p = parsePrice(priceRaw);
          if (p && !p.value.startsWith("-")) {
            rc.warn(
              col("price"),
              priceRaw,
              "PRICE_FORMAT",
              "Variant Price must be a plain number",
              {
                suggestion: p.value,
                field: "price",
              },
            );
            v.price = p.value;
          } else
            rc.error(
              col("price"),
              priceRaw,
              "INVALID_PRICE",
              "Variant Price must be a plain number",
              { field: "price" },
            );
        }
        const pol = v.inventoryPolicy;
        if (pol && pol !== "deny" && pol !== "continue") {
          const low = pol.toLowerCase();
          if (fix && (low === "deny" || low === "continue")) v.inventoryPolicy = low;
          rc.error(
            col("inventoryPolicy"),
            pol,
            "INVALID_INVENTORY_POLICY",
            "Inventory policy must be deny or continue",
            {
              ...(low === "deny" || low === "continue" ? { suggestion: low } : {}),
            },
          );
        }
        if (v.inventoryQty && !/^-?\d+$/.test(v.inventoryQty)) {
          rc.error(
            col("inventoryQty"),
            v.inventoryQty,
            "INVALID_QUANTITY",
            "Inventory quantity must be a whole number",
            {
              field: "quantity",
            },
          );
        }
        (["option1Value", "option2Value", "option3Value"] as const).forEach((k, i) => {
          const ov = v[k];
          const list = optionValues[i] as string[];
          if (ov && !list.includes(ov)) list.push(ov);
        });
        variants.push(v);
      }
      const src = get(r, "imageSrc");
      if (src) {
        if (!isHttpUrl(src))
          rc.warn(col("imageSrc"), src, "INVALID_URL", "Image Src must be an http(s) URL", {
            field: "imageUrls",
          });
        const img: ShopifyImage = { src };
        const pos = get(r, "imagePosition");
        const alt = get(r, "imageAlt");
        if (pos) img.position = pos;
        if (alt) img.alt = alt;
        images.push(img);
      }
      ctx.problems.push(...rc.problems);
    }
    if (variants.length > MAX_VARIANTS) {
      ctx.error(
        col("handle"),
        handle,
        "TOO_MANY_VARIANTS",
        `Shopify allows ${MAX_VARIANTS} variants per product; this one has ${variants.length}`,
      );
    }
    const options: Array<{ name: string; values: string[] }> = [];
    (["option1Name", "option2Name", "option3Name"] as const).forEach((k, i) => {
      const name = get(first, k);
      if (name) options.push({ name, values: optionValues[i] as string[] });
    });
    const extra: Record<string, string> = {};
    for (const i of extraCols) {
      const val = first.values[i] ?? "";
      if (val !== "") extra[(headers[i] as string).trim()] = val;
    }
    const mf: Record<string, unknown> = { shopifyHandle: handleOut };
    const put = (name: string, k: ShopifyKey) => {
      const val = get(first, k);
      if (val !== "") mf[name] = val;
    };
    put("vendor", "vendor");
    put("productType", "type");
    put("productCategory", "productCategory");
    put("tags", "tags");
    put("published", "published");
    put("giftCard", "giftCard");
    put("seoTitle", "seoTitle");
    put("seoDescription", "seoDescription");
    if (options.length > 0) mf.options = options;
    mf.variants = variants;
    mf.images = images;
    if (Object.keys(extra).length > 0) mf.shopifyExtra = extra;
    const firstVariant = variants[0];
    let quantity: number | undefined;
    for (const v of variants) {
      if (v.inventoryQty && /^-?\d+$/.test(v.inventoryQty))
        quantity = (quantity ?? 0) + Number(v.inventoryQty);
    }
    const imageUrls: string[] = [];
    for (const i of images) if (!imageUrls.includes(i.src)) imageUrls.push(i.src);
    const listing: CanonicalListing = {
      title,
      price: firstVariant?.price ?? "",
      description: first.values[keyIdx.get("body") ?? -1] ?? "",
      category: get(first, "productCategory") || get(first, "type") || null,
      sku: firstVariant?.sku ?? null,
      ...(quantity !== undefined ? { quantity: Math.max(0, quantity) } : {}),
      imageUrls,
      ...(status ? { status } : {}),
      marketplaceFields: mf,
    };
    if (!firstVariant?.price) {
      ctx.error(col("price"), "", "REQUIRED", "A Shopify product needs a Variant Price", {
        field: "price",
      });
    }
    return {
      row: first.row,
      rows: rows.map((r) => r.row),
      listing,
      problems: ctx.problems,
      ok: ctx.ok,
    };
  };

  const flush = (): ImportedListing[] => {
    if (group.length === 0) return [];
    const out = build(group, groupHandle);
    group = [];
    return [out];
  };

  return {
    push(row) {
      const handle = get(row, "handle");
      if (!handle) {
        const out = flush();
        const ctx = new RowContext(row.row);
        ctx.error(
          col("handle"),
          "",
          "REQUIRED",
          "Every Shopify row needs the Handle of its product",
        );
        out.push({
          row: row.row,
          rows: [row.row],
          listing: null,
          problems: ctx.problems,
          ok: false,
        });
        return out;
      }
      if (group.length > 0 && (handle !== groupHandle || group.length >= MAX_ROWS_PER_PRODUCT)) {
        const out = flush();
        group = [row];
        groupHandle = handle;
        return out;
      }
      if (group.length === 0) groupHandle = handle;
      group.push(row);
      return [];
    },
    end: flush,
  };
}
