import { once } from "node:events";
import { crc32, createDeflateRaw } from "node:zlib";

/** One file of a zip: its path and its bytes, whole or streamed. */
export interface ZipEntry {
  name: string;
  data: Uint8Array | AsyncIterable<Uint8Array>;
}

const MAX32 = 0xffffffff;
// 2026-01-01 00:00 in DOS time; file times carry no information in an export.
const DOS_TIME = 0;
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;

function localHeader(name: Buffer): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
  h.writeUInt16LE(0x0808, 6); // sizes in the data descriptor; UTF-8 names
  h.writeUInt16LE(8, 8); // deflate
  h.writeUInt16LE(DOS_TIME, 10);
  h.writeUInt16LE(DOS_DATE, 12);
  h.writeUInt16LE(name.length, 26);
  return Buffer.concat([h, name]);
}

interface Written {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

function descriptor(e: Written): Buffer {
  const d = Buffer.alloc(16);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(e.crc >>> 0, 4);
  d.writeUInt32LE(e.compressed, 8);
  d.writeUInt32LE(e.size, 12);
  return d;
}

function centralDirectory(entries: Written[], offset: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const e of entries) {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4); // made by: 2.0
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0808, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt16LE(DOS_TIME, 12);
    c.writeUInt16LE(DOS_DATE, 14);
    c.writeUInt32LE(e.crc >>> 0, 16);
    c.writeUInt32LE(e.compressed, 20);
    c.writeUInt32LE(e.size, 24);
    c.writeUInt16LE(e.name.length, 28);
    c.writeUInt32LE(e.offset, 42);
    parts.push(c, e.name);
    size += c.length + e.name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

async function* chunksOf(data: ZipEntry["data"]): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) yield data;
  else yield* data;
}

/**
 * A zip written as it goes: each entry deflated by zlib (off the main thread) while its bytes are
 * produced, CRC and sizes in a data descriptor after it, then the central directory. Pulls an
 * entry's bytes only as fast as the output is read. No zip64: an entry or the archive past 4 GiB
 * fails rather than writing a corrupt file.
 */
export async function* writeZip(
  entries: Iterable<ZipEntry>,
  options: { level?: number } = {},
): AsyncGenerator<Buffer> {
  const written: Written[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const header = localHeader(name);
    const e: Written = { name, crc: 0, compressed: 0, size: 0, offset };
    yield header;
    offset += header.length;
    const deflate = createDeflateRaw({ level: options.level ?? 6 });
    const closed = once(deflate, "close").catch(() => {});
    const feed = (async () => {
      for await (const chunk of chunksOf(entry.data)) {
        if (deflate.destroyed) return;
        e.crc = crc32(chunk, e.crc);
        e.size += chunk.length;
        if (e.size > MAX32)
          throw new Error(`${entry.name} is larger than a zip without zip64 holds`);
        if (!deflate.write(chunk)) await Promise.race([once(deflate, "drain"), closed]);
      }
      deflate.end();
    })().catch((err: unknown) => {
      deflate.destroy(err instanceof Error ? err : new Error(String(err)));
    });
    try {
      for await (const out of deflate as AsyncIterable<Buffer>) {
        e.compressed += out.length;
        yield out;
      }
    } finally {
      deflate.destroy();
      await feed;
    }
    offset += e.compressed;
    const d = descriptor(e);
    yield d;
    offset += d.length;
    if (offset > MAX32) throw new Error("The archive is larger than a zip without zip64 holds");
    written.push(e);
  }
  yield centralDirectory(written, offset);
}
