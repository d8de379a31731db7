import { isAscii } from "node:buffer";
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
 * Whether `seq` (the bytes from a file's first non-ASCII byte on, up to 4) starts a well-formed
 * UTF-8 character. `ended`: the file ends after these bytes, so a short sequence is cut off.
 */
function startsUtf8Char(seq: Uint8Array, ended: boolean): boolean {
  const lead = seq[0] as number;
  const need =
    lead >= 0xc2 && lead <= 0xdf
      ? 2
      : lead >= 0xe0 && lead <= 0xef
        ? 3
        : lead >= 0xf0 && lead <= 0xf4
          ? 4
          : 0;
  if (need === 0) return false;
  for (let k = 1; k < need; k++) {
    if (k >= seq.byteLength) return !ended;
    const b = seq[k] as number;
    let lo = 0x80;
    let hi = 0xbf;
    if (k === 1) {
      if (lead === 0xe0) lo = 0xa0;
      else if (lead === 0xed) hi = 0x9f;
      else if (lead === 0xf0) lo = 0x90;
      else if (lead === 0xf4) hi = 0x8f;
    }
    if (b < lo || b > hi) return false;
  }
  return true;
}

const WINDOWS_1252_NOTICE: ReadNotice = {
  code: "ENCODING_WINDOWS_1252",
  message:
    "The file is not UTF-8; it was read as Windows-1252 (Excel's legacy CSV encoding). Check accented characters.",
};

/**
 * Decodes byte chunks to text: UTF-8 (BOM stripped), UTF-16LE/BE with a BOM, or — when the start
 * of the file is not valid UTF-8 — windows-1252 with a notice, as old Excel "CSV" saves are.
 * Invalid UTF-8 found later than the sniffed start switches to windows-1252 too when every byte
 * before it was ASCII (the same in both, so the text already given stays right); after real
 * multi-byte UTF-8 it is refused with INVALID_ENCODING.
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
    notices.push({ ...WINDOWS_1252_NOTICE });
  } else if (bom === "utf-16le" || bom === "utf-16be") {
    notices.push({ code: "UTF16", message: `The file is ${bom.toUpperCase()} text` });
  }
  let decoder: { decode(chunk?: Uint8Array, opts?: { stream?: boolean }): string } =
    encoding === "windows-1252"
      ? new Windows1252Decoder()
      : new TextDecoder(encoding, { fatal: true });
  // For UTF-8 without a BOM: where the first non-ASCII byte is and the (up to 4) bytes from it,
  // which decide whether a later decoding error may still be read as windows-1252.
  const watch = encoding === "utf-8" && !bom;
  let firstHigh = -1;
  let fromHigh = new Uint8Array(0);
  /** Once all before the first non-ASCII byte was ASCII and it starts no UTF-8 character. */
  const fallBack = (
    chunkStart: number,
    chunk: Uint8Array | null,
    ended: boolean,
  ): string | null => {
    if (!watch || firstHigh < 0 || startsUtf8Char(fromHigh, ended)) return null;
    notices.push({ ...WINDOWS_1252_NOTICE });
    decoder = new Windows1252Decoder();
    // The text given so far ends where the first non-ASCII byte or this chunk begins (the
    // UTF-8 decoder holds back the start of a character cut by a chunk's end).
    const held = firstHigh < chunkStart ? fromHigh.subarray(0, chunkStart - firstHigh) : null;
    return (held ? decoder.decode(held) : "") + (chunk ? decoder.decode(chunk) : "");
  };
  let offset = 0;
  for await (const chunk of chunks) {
    if (watch && fromHigh.byteLength < 4) {
      let from = 0;
      if (firstHigh < 0 && !isAscii(chunk)) {
        from = chunk.findIndex((b) => b >= 0x80);
        firstHigh = offset + from;
      }
      if (firstHigh >= 0) {
        const more = chunk.subarray(from, from + 4 - fromHigh.byteLength);
        fromHigh = Buffer.concat([fromHigh, more]);
      }
    }
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      const fallen = fallBack(offset, chunk, false);
      if (fallen === null)
        throw new FormatError(
          "INVALID_ENCODING",
          `The file is not valid UTF-8 (near byte ${offset}). Save it as "CSV UTF-8" and try again.`,
          { offset },
        );
      text = fallen;
    }
    offset += chunk.byteLength;
    if (text.length > 0) yield text;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    const fallen = fallBack(offset, null, true);
    if (fallen === null)
      throw new FormatError(
        "INVALID_ENCODING",
        "The file ends in the middle of a UTF-8 character",
        {
          offset,
        },
      );
    tail = fallen;
  }
  if (tail) yield tail;
}
