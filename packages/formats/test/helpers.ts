import { buffer } from "node:stream/consumers";
import { fileURLToPath } from "node:url";
import { constants, createDeflateRaw, deflateRawSync } from "node:zlib";
import type { ExportResult } from "../src/index";

/** Absolute path of a fixture file. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** All bytes of an export. */
export async function bytesOf(r: ExportResult): Promise<Buffer> {
  return buffer(r.stream);
}

/** Runs a promise and returns the error it rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error("expected a rejection");
}

/** A zip entry for {@link buildZip}: data is stored as given (already deflated when method 8). */
export interface RawZipEntry {
  name: string;
  data: Buffer;
  method: 0 | 8;
  /** Size written in the headers (may lie). */
  declaredSize: number;
}

/** Builds a zip byte by byte, so tests can make archives real tools refuse to produce. */
export function buildZip(entries: RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0, 6);
    lh.writeUInt16LE(e.method, 8);
    lh.writeUInt32LE(0, 14);
    lh.writeUInt32LE(e.data.length, 18);
    lh.writeUInt32LE(e.declaredSize, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(0, 28);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0, 8);
    ch.writeUInt16LE(e.method, 10);
    ch.writeUInt32LE(0, 16);
    ch.writeUInt32LE(e.data.length, 20);
    ch.writeUInt32LE(e.declaredSize, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, e.data);
    centrals.push(ch, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** A stored/deflated entry with honest sizes. */
export function entry(name: string, text: string): RawZipEntry {
  const raw = Buffer.from(text, "utf8");
  return { name, data: deflateRawSync(raw), method: 8, declaredSize: raw.length };
}

/**
 * A raw deflate stream that inflates to `mib` MiB of zeros while staying ~1 KiB per MiB: the
 * same fully-flushed block repeated, then an empty final block.
 */
export async function zeroBomb(mib: number): Promise<Buffer> {
  const d = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  d.on("data", (c: Buffer) => chunks.push(c));
  const flush = () => new Promise<void>((r) => d.flush(constants.Z_FULL_FLUSH, () => r()));
  const zeros = Buffer.alloc(1024 * 1024);
  d.write(zeros);
  await flush();
  const first = Buffer.concat(chunks.splice(0));
  d.write(zeros);
  await flush();
  const block = Buffer.concat(chunks.splice(0));
  const end = new Promise<void>((r) => d.on("end", () => r()));
  d.end();
  await end;
  const tail = Buffer.concat(chunks);
  const parts = [first];
  for (let i = 1; i < mib; i++) parts.push(block);
  parts.push(tail);
  return Buffer.concat(parts);
}

/** The minimal xlsx parts around a sheet XML body, for hand-made workbooks. */
export function xlsxParts(sheetXml: string): Array<[string, string]> {
  return [
    [
      "[Content_Types].xml",
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    ],
    [
      "_rels/.rels",
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    ],
    [
      "xl/workbook.xml",
      '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>',
    ],
    [
      "xl/_rels/workbook.xml.rels",
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    ],
    ["xl/worksheets/sheet1.xml", sheetXml],
  ];
}

/** Extracts every entry of a zip (test helper, small archives only). */
export async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const { inspectZip, DEFAULT_READ_LIMITS } = await import("../src/index");
  const { inflateRawSync } = await import("node:zlib");
  const ra = {
    size: bytes.length,
    read: async (p: number, l: number) => bytes.subarray(p, p + l),
    async *range(s: number, e: number) {
      yield bytes.subarray(s, e);
    },
    close: async () => {},
  };
  const out = new Map<string, Buffer>();
  for (const e of await inspectZip(ra, DEFAULT_READ_LIMITS)) {
    const data = bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
    out.set(e.name, e.method === 8 ? inflateRawSync(data) : Buffer.from(data));
  }
  return out;
}
