import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  API_SECURITY_HEADERS,
  DEFAULT_DOCUMENT_POLICY,
  DOCUMENT_SECURITY_HEADERS,
  documentPolicy,
  EVERY_RESPONSE,
  inlineScriptHashes,
  isHtml,
  securityHeadersFor,
} from "./security-headers";

const sha = (s: string) => `sha256-${createHash("sha256").update(s, "utf8").digest("base64")}`;

describe("inlineScriptHashes", () => {
  it("hashes the inline scripts a browser runs and nothing else", () => {
    const html = `<html><head>
<script>one()</script>
<script type="module">two()</script>
<SCRIPT type="text/javascript">three("é")</SCRIPT>
<script src="/a.js"></script>
<script type="module" src="/b.js"></script>
<script id="cfg" type="application/json">{"not":"code"}</script>
</head></html>`;
    expect(inlineScriptHashes(html)).toEqual([sha("one()"), sha("two()"), sha('three("é")')]);
    expect(inlineScriptHashes("<p>no scripts</p>")).toEqual([]);
    // As a browser hashes it: CRLF and CR line breaks read as LF.
    expect(inlineScriptHashes("<script>a()\r\nb()\rc()</script>")).toEqual([sha("a()\nb()\nc()")]);
  });
});

describe("documentPolicy", () => {
  it("allows scripts from this origin and the given hashes only", () => {
    const p = documentPolicy(["sha256-abc"]);
    expect(p).toContain("script-src 'self' 'sha256-abc';");
    expect(p).toContain("object-src 'none'");
    expect(p).toContain("frame-ancestors 'self'");
    expect(p).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });
});

describe("isHtml", () => {
  it("reads the media type whatever its case and parameters", () => {
    expect(isHtml("text/html; charset=UTF-8")).toBe(true);
    expect(isHtml(" Text/HTML")).toBe(true);
    expect(isHtml("application/json")).toBe(false);
    expect(isHtml("application/xhtml+xml")).toBe(true);
    expect(isHtml("text/htmlx")).toBe(false);
    expect(isHtml("text/plain; x=text/html")).toBe(false);
    expect(isHtml(null)).toBe(false);
  });
});

describe("securityHeadersFor", () => {
  it("picks the set by status and media type", () => {
    expect(securityHeadersFor(200, "application/json", false)).toEqual(API_SECURITY_HEADERS.flat());
    expect(securityHeadersFor(404, null, false)).toEqual(API_SECURITY_HEADERS.flat());
    expect(securityHeadersFor(200, "text/html; charset=utf-8", false)).toEqual([
      ...DOCUMENT_SECURITY_HEADERS.flat(),
      "Content-Security-Policy",
      DEFAULT_DOCUMENT_POLICY,
    ]);
    expect(securityHeadersFor(304, "text/html", false)).toEqual(EVERY_RESPONSE.flat());
    // A response's own policy stands alone.
    expect(securityHeadersFor(200, "text/html", true)).toEqual(DOCUMENT_SECURITY_HEADERS.flat());
    expect(securityHeadersFor(200, "text/csv", true)).not.toContain("Content-Security-Policy");
    expect(EVERY_RESPONSE.some(([k]) => k === "Content-Security-Policy")).toBe(false);
  });
});
