import { FormatError } from "../errors";

/** The table formats readTable understands. */
export type TableKind = "csv" | "xlsx" | "json";

/** Something worth telling the user about a file that was still read (e.g. a guessed encoding). */
export interface ReadNotice {
  code: "ENCODING_WINDOWS_1252" | "UTF16" | "BLANK_ROWS_SKIPPED" | "GUARD_PREFIX_STRIPPED";
  message: string;
}

const MAGIC: Array<{ bytes: number[]; name: string }> = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], name: "PNG image" },
  { bytes: [0xff, 0xd8, 0xff], name: "JPEG image" },
  { bytes: [0x47, 0x49, 0x46, 0x38], name: "GIF image" },
  { bytes: [0x25, 0x50, 0x44, 0x46], name: "PDF document" },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], name: "legacy .xls/OLE document (save it as .xlsx or .csv)" },
  { bytes: [0x1f, 0x8b], name: "gzip archive" },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf], name: "7z archive" },
  { bytes: [0x52, 0x61, 0x72, 0x21], name: "RAR archive" },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], name: "executable" },
];

function startsWith(head: Uint8Array, sig: number[]): boolean {
  return sig.length <= head.byteLength && sig.every((b, i) => head[i] === b);
}

/** True for a zip local-file or empty-archive signature (xlsx files are zips). */
export function isZip(head: Uint8Array): boolean {
  return startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]);
}

/** The text encoding a byte-order mark announces, if any. */
export function bomEncoding(head: Uint8Array): "utf-8" | "utf-16le" | "utf-16be" | null {
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return "utf-8";
  if (startsWith(head, [0xff, 0xfe])) return "utf-16le";
  if (startsWith(head, [0xfe, 0xff])) return "utf-16be";
  return null;
}

/**
 * Rejects content that cannot be a text table: known binary magic numbers, NUL bytes, or
 * a share of control characters no spreadsheet export produces.
 */
export function assertTextLike(head: Uint8Array): void {
  for (const m of MAGIC) {
    if (startsWith(head, m.bytes)) {
      throw new FormatError("BINARY_CONTENT", `This file is a ${m.name}, not a table`, {
        detected: m.name,
      });
    }
  }
  if (isZip(head)) {
    throw new FormatError("BINARY_CONTENT", "This file is a zip archive, not a text table");
  }
  const bom = bomEncoding(head);
  if (bom === "utf-16le" || bom === "utf-16be") return;
  let controls = 0;
  for (let i = 0; i < head.byteLength; i++) {
    const b = head[i] as number;
    if (b === 0) {
      throw new FormatError(
        "BINARY_CONTENT",
        "The file contains NUL bytes: it is not a text table",
        {
          offset: i,
        },
      );
    }
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) controls++;
  }
  if (controls > 8 && controls > head.byteLength / 200) {
    throw new FormatError("BINARY_CONTENT", "The file is mostly control characters, not text");
  }
}

/** Decides csv/xlsx/json from the first bytes, never from the file name. */
export function sniffKind(head: Uint8Array): TableKind {
  if (head.byteLength === 0) throw new FormatError("EMPTY_FILE", "The file is empty");
  if (isZip(head)) return "xlsx";
  assertTextLike(head);
  const bom = bomEncoding(head);
  let text: string;
  if (bom === "utf-16le" || bom === "utf-16be") {
    text = new TextDecoder(bom).decode(head.subarray(0, head.byteLength - (head.byteLength % 2)));
  } else {
    text = new TextDecoder("latin1").decode(head.subarray(0, 4096));
  }
  const start = text.replace(/^[\uFEFF\u00EF\u00BB\u00BF\s]+/, "");
  // HTML, SVG and XML would otherwise be read as a one-column CSV and stored as listings.
  if (/^<[A-Za-z!?/]/.test(start)) {
    throw new FormatError(
      "UNSUPPORTED_FORMAT",
      "This file is HTML, SVG or XML markup, not a table",
    );
  }
  const first = start[0];
  if (first === "[" || first === "{") return "json";
  return "csv";
}
