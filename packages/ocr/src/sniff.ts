import { OcrError } from "./errors";
import { DEFAULT_LIMITS } from "./limits";

/** Media types the pipeline accepts. */
export type ScanMimeType =
  | "image/png"
  | "image/jpeg"
  | "image/webp"
  | "image/tiff"
  | "image/heic"
  | "application/pdf";

/** Result of sniffing an upload's leading bytes. */
export interface SniffResult {
  mimeType: ScanMimeType;
  kind: "image" | "pdf";
}

const HEIC_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"]);
const HEIF_GENERIC_BRANDS = new Set(["mif1", "msf1"]);

// Markup that makes a file also valid HTML/SVG/script: an upload that carries it is a
// polyglot aimed at whoever later serves or previews the bytes, so it is refused outright.
const MARKUP = /<(?:script|html|svg|iframe|body|head|object|embed|!doctype|\?php|\?xml)[\s>/]/i;

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let out = "";
  for (let i = start; i < Math.min(end, bytes.length); i++)
    out += String.fromCharCode(bytes[i] ?? 0);
  return out;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((b, i) => bytes[offset + i] === b);
}

function heicBrand(bytes: Uint8Array): "heic" | "other" | null {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== "ftyp") return null;
  const boxSize =
    ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  const end = Math.min(Math.max(boxSize, 16), 256, bytes.length);
  const brands: string[] = [ascii(bytes, 8, 12)];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(bytes, i, i + 4));
  // AVIF and other ISO-BMFF files share mif1; only HEVC-coded brands are HEIC.
  if (brands.some((b) => b.startsWith("avi"))) return "other";
  if (brands.some((b) => HEIC_BRANDS.has(b))) return "heic";
  if (brands.some((b) => HEIF_GENERIC_BRANDS.has(b))) return "heic";
  return "other";
}

function detect(bytes: Uint8Array): SniffResult | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { mimeType: "image/png", kind: "image" };
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { mimeType: "image/jpeg", kind: "image" };
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") {
    return { mimeType: "image/webp", kind: "image" };
  }
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { mimeType: "image/tiff", kind: "image" };
  }
  if (heicBrand(bytes) === "heic") return { mimeType: "image/heic", kind: "image" };
  // Readers tolerate junk before %PDF; we do not, so HTML-prefixed PDFs fall through.
  if (ascii(bytes, 0, 5) === "%PDF-") return { mimeType: "application/pdf", kind: "pdf" };
  return null;
}

function hasZipDirectory(bytes: Uint8Array): boolean {
  // A ZIP end-of-central-directory record near the end means the file is also a valid ZIP
  // (office documents, JARs): a classic polyglot.
  const from = Math.max(0, bytes.length - 65_557);
  for (let i = bytes.length - 22; i >= from; i--) {
    if (
      bytes[i] === 0x50 &&
      bytes[i + 1] === 0x4b &&
      bytes[i + 2] === 0x05 &&
      bytes[i + 3] === 0x06
    ) {
      return true;
    }
  }
  return false;
}

function hasMarkup(bytes: Uint8Array): boolean {
  // latin1 keeps byte offsets 1:1 and never throws on binary data; chunks overlap so a tag
  // split across a boundary is still seen.
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunk = 1 << 20;
  for (let start = 0; start < buffer.length; start += chunk) {
    const text = buffer.toString("latin1", start, Math.min(buffer.length, start + chunk + 16));
    if (MARKUP.test(text)) return true;
  }
  return false;
}

/**
 * Identifies an upload by its magic bytes (never by its name) and refuses anything that is not
 * a plain PNG, JPEG, WebP, TIFF, HEIC or PDF, including HTML/SVG and polyglot files.
 * Throws OcrError EMPTY_FILE, FILE_TOO_LARGE or UNSUPPORTED_MEDIA_TYPE.
 */
export function sniffUpload(bytes: Uint8Array, options: { maxBytes?: number } = {}): SniffResult {
  const maxBytes = options.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  if (bytes.byteLength === 0) throw new OcrError("EMPTY_FILE", "The uploaded file is empty.");
  if (bytes.byteLength > maxBytes) {
    throw new OcrError(
      "FILE_TOO_LARGE",
      `The file is ${bytes.byteLength} bytes; the limit is ${maxBytes} bytes.`,
      { details: { bytes: bytes.byteLength, maxBytes } },
    );
  }
  const found = detect(bytes);
  if (!found) {
    throw new OcrError(
      "UNSUPPORTED_MEDIA_TYPE",
      "Only PNG, JPEG, WebP, TIFF, HEIC images and PDF documents can be scanned.",
    );
  }
  if (hasMarkup(bytes) || hasZipDirectory(bytes)) {
    throw new OcrError(
      "UNSUPPORTED_MEDIA_TYPE",
      `The file looks like ${found.mimeType} but also contains markup or an archive; it was refused.`,
      { details: { sniffed: found.mimeType, polyglot: true } },
    );
  }
  return found;
}
