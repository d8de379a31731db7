import { EBAY_CONDITION_IDS } from "./rules";

/** File Exchange actions (VerifyAdd is eBay's dry run). */
export const EBAY_ACTIONS = ["Add", "Revise", "Relist", "End", "VerifyAdd"] as const;
/** One of {@link EBAY_ACTIONS}. */
export type EbayAction = (typeof EBAY_ACTIONS)[number];

/** The parts of `*Action(SiteID=US|Country=US|Currency=USD|Version=1193|CC=UTF-8)`. */
export type EbayActionParams = Record<string, string>;

/** Default parameters written into an exported `*Action(...)` header. */
export const EBAY_DEFAULT_ACTION_PARAMS: EbayActionParams = {
  SiteID: "US",
  Country: "US",
  Currency: "USD",
  Version: "1193",
  CC: "UTF-8",
};

/** Default first line of an export. */
export const EBAY_INFO_LINE = ["Info", "Version=1.0.0", "Template=fx_category_template_EBAY_US"];

/** Parses the `*Action(...)` header; null when the header is not an Action header. */
export function parseEbayActionHeader(header: string): EbayActionParams | null {
  const m = /^\s*\*?\s*Action\s*(?:\(([^)]*)\))?\s*$/i.exec(header);
  if (!m) return null;
  const out: EbayActionParams = {};
  for (const part of (m[1] ?? "").split("|")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Builds `*Action(K=V|…)`. */
export function formatEbayActionHeader(params: EbayActionParams): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${v}`);
  return `*Action(${parts.join("|")})`;
}

/** The ConditionID a condition text means, if any (`Used` → 3000, `New` → 1000). */
export function ebayConditionIdFor(text: string | null | undefined): string | null {
  if (!text) return null;
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t) && EBAY_CONDITION_IDS[t]) return t;
  for (const [id, name] of Object.entries(EBAY_CONDITION_IDS)) {
    if (name.toLowerCase() === t) return id;
  }
  if (/like new|used - like new/.test(t)) return "2750";
  if (/refurb/.test(t)) return "2500";
  if (/parts|not working|broken/.test(t)) return "7000";
  if (/defect/.test(t)) return "1750";
  if (/used|pre-?owned|good|fair/.test(t)) return "3000";
  if (/new/.test(t)) return "1000";
  return null;
}

/** True for `GTC` or `Days_N`. */
export function isEbayDuration(s: string): boolean {
  return /^(GTC|Days_(1|3|5|7|10|21|30))$/.test(s);
}
