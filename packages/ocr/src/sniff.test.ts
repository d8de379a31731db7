import { describe, expect, it } from "vitest";
import { isOcrError } from "./errors";
import { sniffUpload } from "./sniff";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isOcrError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe("sniffUpload", () => {
  it("identifies each accepted type by magic bytes", () => {
    expect(sniffUpload(png).mimeType).toBe("image/png");
    expect(sniffUpload(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16])).mimeType).toBe(
      "image/jpeg",
    );
    expect(sniffUpload(enc("RIFF\u0000\u0000\u0000\u0000WEBPVP8 ")).mimeType).toBe("image/webp");
    expect(sniffUpload(Uint8Array.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0])).mimeType).toBe(
      "image/tiff",
    );
    expect(sniffUpload(Uint8Array.from([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8])).mimeType).toBe(
      "image/tiff",
    );
    expect(
      sniffUpload(enc("\u0000\u0000\u0000\u0018ftypheic\u0000\u0000\u0000\u0000mif1heic")).mimeType,
    ).toBe("image/heic");
    expect(sniffUpload(enc("%PDF-1.7\n%âãÏÓ\n")).kind).toBe("pdf");
  });

  it.each([
    ["HTML", "<!doctype html><html><body>hi</body></html>"],
    ["SVG", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ["XML-prefixed SVG", '<?xml version="1.0"?><svg/>'],
    ["plain text", "Cordless drill $129.99"],
    ["HTML before a PDF header", "<html><body></body></html>\n%PDF-1.4\n"],
    ["AVIF", "\u0000\u0000\u0000\u001cftypavif\u0000\u0000\u0000\u0000avifmif1"],
  ])("refuses %s", (_name, body) => {
    expect(codeOf(() => sniffUpload(enc(body)))).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("refuses polyglots: a PNG carrying script, a PDF that is also a ZIP", () => {
    const htmlPng = new Uint8Array([...png, ...enc("<script>alert(1)</script>")]);
    expect(codeOf(() => sniffUpload(htmlPng))).toBe("UNSUPPORTED_MEDIA_TYPE");
    const zipPdf = new Uint8Array([
      ...enc("%PDF-1.4\n"),
      0x50,
      0x4b,
      0x05,
      0x06,
      ...new Uint8Array(18),
    ]);
    expect(codeOf(() => sniffUpload(zipPdf))).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("enforces the size limit and refuses empty files", () => {
    expect(codeOf(() => sniffUpload(new Uint8Array(0)))).toBe("EMPTY_FILE");
    const big = new Uint8Array(2048);
    big.set(png);
    expect(codeOf(() => sniffUpload(big, { maxBytes: 1024 }))).toBe("FILE_TOO_LARGE");
    expect(sniffUpload(big).mimeType).toBe("image/png");
  });
});
