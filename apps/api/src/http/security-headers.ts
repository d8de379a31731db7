import { createHash } from "node:crypto";

/**
 * Security headers, chosen by what the response is.
 *
 * Every response carries `nosniff`, HSTS and a same-origin resource policy. An API answer (JSON,
 * a CSV or XLSX download, an error) is never meant to be rendered, so it also gets a policy that
 * forbids everything (`default-src 'none'`) and framing: if a browser is ever tricked into showing
 * one as a page, nothing in it runs (the OWASP REST Security set). Headers that only mean something
 * for a page (referrer policy, opener and agent-cluster isolation, DNS prefetching, the legacy XSS
 * filter switch) go on HTML documents, with a content security policy written for the page.
 */
export const EVERY_RESPONSE: readonly [string, string][] = [
  ["X-Content-Type-Options", "nosniff"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["Cross-Origin-Resource-Policy", "same-origin"],
];

/** Security headers on everything that is not an HTML document. */
export const API_SECURITY_HEADERS: readonly [string, string][] = [
  ...EVERY_RESPONSE,
  ["X-Frame-Options", "DENY"],
  ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"],
];

/** Security headers on HTML documents, besides their content security policy. */
export const DOCUMENT_SECURITY_HEADERS: readonly [string, string][] = [
  ...EVERY_RESPONSE,
  ["X-Frame-Options", "SAMEORIGIN"],
  ["Referrer-Policy", "no-referrer"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

/**
 * The content security policy of a page: scripts only from this origin (and the inline scripts
 * whose hashes are given), no plugins, no foreign frames or form targets. Styles may be inline (the
 * console sizes its grid columns with a `<style>` element) and images come from anywhere, since
 * listing photos live on sellers' own hosts.
 */
export function documentPolicy(inlineScriptHashes: readonly string[] = []): string {
  const scripts = ["'self'", ...inlineScriptHashes.map((h) => `'${h}'`)].join(" ");
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline' https:",
    "img-src * data: blob:",
    "font-src 'self' data: https:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join("; ");
}

/** A page's policy when it did not send its own. */
export const DEFAULT_DOCUMENT_POLICY = documentPolicy();

/**
 * `sha256-…` of every inline script of a page that a browser would run (not `src=` scripts, not
 * data blocks such as `type="application/json"`), for `documentPolicy`.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    const attrs = m[1] ?? "";
    if (/\ssrc\s*=/i.test(attrs)) continue;
    const type = /\stype\s*=\s*["']?([^"'\s>]+)/i.exec(attrs)?.[1]?.toLowerCase();
    if (type && type !== "module" && !type.includes("javascript")) continue;
    // A browser hashes the script's text as parsed, line breaks normalised to LF.
    const text = (m[2] ?? "").replace(/\r\n?/g, "\n");
    hashes.push(`sha256-${createHash("sha256").update(text, "utf8").digest("base64")}`);
  }
  return hashes;
}

/** The sets as `[name, value, name, value, …]`, built once, as Node's `writeHead` takes them. */
const FLAT = {
  notModified: EVERY_RESPONSE.flat(),
  api: API_SECURITY_HEADERS.flat(),
  apiOwnPolicy: API_SECURITY_HEADERS.filter(([k]) => k !== "Content-Security-Policy").flat(),
  page: [...DOCUMENT_SECURITY_HEADERS, ["Content-Security-Policy", DEFAULT_DOCUMENT_POLICY]].flat(),
  pageOwnPolicy: DOCUMENT_SECURITY_HEADERS.flat(),
} as const;

/**
 * The security headers of a response, flat (`[name, value, …]`): a page's or the API's set by
 * `Content-Type`, without a policy of ours where the response sends its own (two would both be
 * enforced). `Not Modified` carries no body and no `Content-Type`, and a browser copies its
 * headers onto the response it cached, so it gets only what every response gets (the API's
 * `default-src 'none'` would otherwise replace a cached page's own policy).
 */
export function securityHeadersFor(
  status: number,
  contentType: string | null | undefined,
  ownPolicy: boolean,
): readonly string[] {
  if (status === 304) return FLAT.notModified;
  if (isHtml(contentType)) return ownPolicy ? FLAT.pageOwnPolicy : FLAT.page;
  return ownPolicy ? FLAT.apiOwnPolicy : FLAT.api;
}

/** Whether a `Content-Type` value is an HTML (or XHTML) document. */
export function isHtml(contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  const semi = contentType.indexOf(";");
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type === "text/html" || type === "application/xhtml+xml";
}
