import type { Marketplace } from "../listing";
import { FACEBOOK_TEMPLATE } from "../marketplaces/facebook";
import { shopifyKeyForHeader } from "../marketplaces/shopify";
import type { RawRow } from "../read/csv";
import { ebayKey } from "./ebay-map";
import { normalizeHeader } from "./fields";

/** Which layout a table looks like, how sure, and why (shown to the user). */
export interface MarketplaceDetection {
  marketplace: Marketplace;
  confidence: number;
  reason: string;
}

/** Guesses facebook / ebay / shopify / generic from the headers and the rows above them. */
export function detectMarketplace(
  headers: readonly string[],
  preamble: readonly RawRow[] = [],
): MarketplaceDetection {
  const firstPre = preamble[0]?.values[0]?.trim() ?? "";
  if (headers.some((h) => ebayKey(h) === "action" && /\(/.test(h))) {
    return {
      marketplace: "ebay",
      confidence: 1,
      reason: "First column is eBay's *Action(...) header",
    };
  }
  if (/^info$/i.test(firstPre) && headers.some((h) => ebayKey(h) === "action")) {
    return {
      marketplace: "ebay",
      confidence: 0.95,
      reason: "eBay File Exchange Info line and Action column",
    };
  }
  const keys = new Set(headers.map(ebayKey));
  if (keys.has("action") && (keys.has("startprice") || keys.has("conditionid"))) {
    return {
      marketplace: "ebay",
      confidence: 0.9,
      reason: "Action, StartPrice/ConditionID columns",
    };
  }
  const shopifyKeys = new Set(headers.map(shopifyKeyForHeader).filter((k) => k !== null));
  if (
    shopifyKeys.has("handle") &&
    (shopifyKeys.has("price") || shopifyKeys.has("body") || shopifyKeys.has("option1Name"))
  ) {
    return {
      marketplace: "shopify",
      confidence: 0.95,
      reason: "Handle and Shopify product columns",
    };
  }
  const fb = new Set(FACEBOOK_TEMPLATE.headers.map(normalizeHeader));
  const named = headers.map(normalizeHeader).filter((h) => h !== "");
  const fbHits = named.filter((h) => fb.has(h)).length;
  const mentionsFacebook = preamble.some((r) =>
    r.values.some((v) => /facebook marketplace/i.test(v)),
  );
  if (
    fbHits >= 3 &&
    named.includes("title") &&
    named.includes("price") &&
    (fbHits === named.length || mentionsFacebook)
  ) {
    return {
      marketplace: "facebook",
      confidence: mentionsFacebook ? 1 : 0.9,
      reason: mentionsFacebook
        ? "Facebook bulk-upload template"
        : "Columns are exactly Facebook's bulk-upload columns",
    };
  }
  return {
    marketplace: "generic",
    confidence: 0.5,
    reason: "No marketplace layout recognised; columns mapped by name",
  };
}
