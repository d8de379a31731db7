import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createInflateRaw } from "node:zlib";
import { FormatError, type ReadLimits } from "../errors";
import type { RandomAccess } from "./source";

/** One file inside a zip, as its central directory describes it. */
export interface ZipEntryInfo {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  dataOffset: number;
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const DESC_SIG = 0x08074b50;
const ONE_MIB = 1024 * 1024;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Reads a zip's end record and central directory — before anything is inflated — and refuses
 * truncated archives, zip64, encryption, too many entries, too many declared bytes, suspicious
 * compression ratios and bytes hidden between entries (which a streaming unzip would inflate).
 */
export async function inspectZip(ra: RandomAccess, limits: ReadLimits): Promise<ZipEntryInfo[]> {
  if (ra.size < 22) throw new FormatError("ZIP_TRUNCATED", "The zip file is truncated");
  const tailLen = Math.min(ra.size, 22 + 0xffff);
  const tail = await ra.read(ra.size - tailLen, tailLen);
  const tv = view(tail);
  let eocd = -1;
  for (let i = tail.byteLength - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new FormatError(
      "ZIP_TRUNCATED",
      "The file looks like a zip/xlsx but its end is missing (truncated upload?)",
    );
  }
  const count = tv.getUint16(eocd + 10, true);
  const cdSize = tv.getUint32(eocd + 12, true);
  const cdOffset = tv.getUint32(eocd + 16, true);
  const eocdAbs = ra.size - tailLen + eocd;
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    throw new FormatError("ZIP_INVALID", "zip64 archives are not supported for spreadsheets");
  }
  if (count > limits.maxZipEntries) {
    throw new FormatError(
      "ZIP_TOO_MANY_ENTRIES",
      `The archive has ${count} entries (limit ${limits.maxZipEntries})`,
      { entries: count, maxZipEntries: limits.maxZipEntries },
    );
  }
  if (cdOffset + cdSize > eocdAbs) {
    throw new FormatError("ZIP_TRUNCATED", "The zip central directory is cut off or corrupt");
  }
  const cd = await ra.read(cdOffset, cdSize);
  const cv = view(cd);
  const entries: ZipEntryInfo[] = [];
  let p = 0;
  let total = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.byteLength || cv.getUint32(p, true) !== CEN_SIG) {
      throw new FormatError("ZIP_INVALID", "The zip central directory is corrupt");
    }
    const flags = cv.getUint16(p + 8, true);
    const method = cv.getUint16(p + 10, true);
    const compressedSize = cv.getUint32(p + 20, true);
    const uncompressedSize = cv.getUint32(p + 24, true);
    const nameLen = cv.getUint16(p + 28, true);
    const extraLen = cv.getUint16(p + 30, true);
    const commentLen = cv.getUint16(p + 32, true);
    const localOffset = cv.getUint32(p + 42, true);
    const name = Buffer.from(cd.subarray(p + 46, p + 46 + nameLen)).toString("utf8");
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw new FormatError("ZIP_INVALID", "Encrypted zip entries are not supported");
    if (method !== 0 && method !== 8) {
      throw new FormatError("ZIP_INVALID", `Unsupported zip compression method ${method}`);
    }
    if (method === 0 && compressedSize !== uncompressedSize) {
      throw new FormatError("ZIP_INVALID", `Stored entry ${name} has inconsistent sizes`);
    }
    total += uncompressedSize;
    if (total > limits.maxUncompressedBytes) {
      throw new FormatError(
        "ZIP_TOO_LARGE",
        `The spreadsheet would inflate to more than ${limits.maxUncompressedBytes} bytes`,
        { maxUncompressedBytes: limits.maxUncompressedBytes },
      );
    }
    if (
      uncompressedSize > ONE_MIB &&
      uncompressedSize / Math.max(1, compressedSize) > limits.maxCompressionRatio
    ) {
      throw new FormatError(
        "ZIP_RATIO_TOO_HIGH",
        `Entry ${name} compresses ${Math.round(uncompressedSize / Math.max(1, compressedSize))}:1, which only zip bombs do`,
        { entry: name, maxCompressionRatio: limits.maxCompressionRatio },
      );
    }
    entries.push({
      name,
      method,
      flags,
      compressedSize,
      uncompressedSize,
      localOffset,
      dataOffset: 0,
    });
  }
  const ordered = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  let expected = 0;
  for (const e of ordered) {
    if (e.localOffset !== expected) {
      throw new FormatError(
        "ZIP_INVALID",
        "The zip has overlapping or hidden data between entries",
      );
    }
    const lh = await ra.read(e.localOffset, 30);
    if (lh.byteLength < 30) throw new FormatError("ZIP_TRUNCATED", "The zip file is truncated");
    const lv = view(lh);
    if (lv.getUint32(0, true) !== LOC_SIG) {
      throw new FormatError("ZIP_INVALID", `Entry ${e.name} has no local header`);
    }
    if ((e.flags & 8) === 0) {
      const lc = lv.getUint32(18, true);
      const lu = lv.getUint32(22, true);
      if (lc !== e.compressedSize || lu !== e.uncompressedSize) {
        throw new FormatError("ZIP_INVALID", `Entry ${e.name} has mismatched sizes`);
      }
    }
    e.dataOffset = e.localOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    let end = e.dataOffset + e.compressedSize;
    if (e.flags & 8) {
      const desc = await ra.read(end, 4);
      end += desc.byteLength === 4 && view(desc).getUint32(0, true) === DESC_SIG ? 16 : 12;
    }
    if (end > cdOffset) {
      throw new FormatError("ZIP_TRUNCATED", `Entry ${e.name} runs past the end of the data`);
    }
    expected = end;
  }
  if (expected !== cdOffset) {
    throw new FormatError("ZIP_INVALID", "The zip has unlisted data before its directory");
  }
  return entries;
}

/**
 * Inflates each entry once without keeping the output, to prove it inflates to no more than its
 * declared size (a lying size field is how a bomb gets past {@link inspectZip}).
 */
export async function verifyZipEntries(ra: RandomAccess, entries: ZipEntryInfo[]): Promise<void> {
  for (const e of entries) {
    if (e.method !== 8) continue;
    let produced = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        produced += chunk.byteLength;
        if (produced > e.uncompressedSize) {
          cb(new FormatError("ZIP_TOO_LARGE", `Entry ${e.name} inflates past its declared size`));
        } else cb();
      },
    });
    try {
      await pipeline(
        Readable.from(ra.range(e.dataOffset, e.dataOffset + e.compressedSize)),
        createInflateRaw(),
        sink,
      );
    } catch (err) {
      if (err instanceof FormatError) throw err;
      throw new FormatError("ZIP_INVALID", `Entry ${e.name} is corrupt: ${(err as Error).message}`);
    }
    if (produced !== e.uncompressedSize) {
      throw new FormatError("ZIP_INVALID", `Entry ${e.name} is shorter than declared`);
    }
  }
}
