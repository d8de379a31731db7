import { FormatError } from "../errors";
import { bomEncoding, type ReadNotice } from "./sniff";

// Node's TextDecoder treats windows-1252 as ISO-8859-1, so 0x80-0x9F (€, curly quotes, dashes)
// would come out as C1 control characters; this table gives the real code points.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152,
  0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122,
  0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
const C1 = /[\u0080-\u009f]/g;

class Windows1252Decoder {
  decode(chunk?: Uint8Array, _opts?: { stream?: boolean }): string {
    if (!chunk) return "";
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      .toString("latin1")
      .replace(C1, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80] ?? 0xfffd));
  }
}

/** Whether the first bytes are valid UTF-8 (an incomplete sequence at the very end is fine). */
function headIsUtf8(head: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes byte chunks to text: UTF-8 (BOM stripped), UTF-16LE/BE with a BOM, or — when the start
 * of the file is not valid UTF-8 — windows-1252 with a notice, as old Excel "CSV" saves are.
 * Invalid UTF-8 found later than the sniffed start is refused with INVALID_ENCODING.
 */
export async function* decodeText(
  head: Uint8Array,
  chunks: AsyncIterable<Uint8Array>,
  notices: ReadNotice[],
): AsyncGenerator<string> {
  const bom = bomEncoding(head);
  let encoding: string = bom ?? "utf-8";
  if (!bom && !headIsUtf8(head)) {
    encoding = "windows-1252";
    notices.push({
      code: "ENCODING_WINDOWS_1252",
      message:
        "The file is not UTF-8; it was read as Windows-1252 (Excel's legacy CSV encoding). Check accented characters.",
    });
  } else if (bom === "utf-16le" || bom === "utf-16be") {
    notices.push({ code: "UTF16", message: `The file is ${bom.toUpperCase()} text` });
  }
  const decoder =
    encoding === "windows-1252"
      ? new Windows1252Decoder()
      : new TextDecoder(encoding, { fatal: true });
  let offset = 0;
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new FormatError(
        "INVALID_ENCODING",
        `The file is not valid UTF-8 (near byte ${offset}). Save it as "CSV UTF-8" and try again.`,
        { offset },
      );
    }
    offset += chunk.byteLength;
    if (text.length > 0) yield text;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw new FormatError("INVALID_ENCODING", "The file ends in the middle of a UTF-8 character", {
      offset,
    });
  }
  if (tail) yield tail;
}
