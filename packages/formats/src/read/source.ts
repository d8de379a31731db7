import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { FormatError } from "../errors";

/** Where a reader takes its bytes from: exactly one of bytes, a file path, or a byte stream. */
export interface ByteInput {
  bytes?: Uint8Array;
  path?: string;
  stream?: AsyncIterable<Uint8Array>;
}

/** Random access over a whole input, used for zip central-directory inspection. */
export interface RandomAccess {
  size: number;
  /** A file holding the bytes, when there is one (the caller's file or a spooled copy). */
  path?: string;
  read(position: number, length: number): Promise<Uint8Array>;
  /** Streams bytes [start, end) without loading them whole. */
  range(start: number, end: number): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

const PEEK_BYTES = 64 * 1024;

/**
 * One pass over an input with a peek at its first bytes, enforcing the size bound while streaming,
 * so sniffing never needs the whole file in memory.
 */
export class ByteSource {
  private constructor(
    readonly input: ByteInput,
    readonly head: Uint8Array,
    private readonly rest: AsyncIterator<Uint8Array> | null,
    private readonly maxBytes: number,
    /** The input's size in bytes, when known before reading it (bytes or a file, not a stream). */
    readonly size: number | null,
  ) {}

  /** Opens an input and reads up to 64 KiB of it for sniffing. */
  static async open(input: ByteInput, maxBytes: number): Promise<ByteSource> {
    const given = [input.bytes, input.path, input.stream].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw new FormatError("INVALID_OPTION", "Pass exactly one of bytes, path or stream");
    }
    if (input.bytes) {
      if (input.bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
      return new ByteSource(
        input,
        input.bytes.subarray(0, PEEK_BYTES),
        null,
        maxBytes,
        input.bytes.byteLength,
      );
    }
    if (input.path !== undefined) {
      const info = await stat(input.path);
      if (info.size > maxBytes) throw tooLarge(maxBytes);
      const fh = await open(input.path, "r");
      try {
        const buf = Buffer.alloc(Math.min(PEEK_BYTES, info.size));
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        return new ByteSource(input, buf.subarray(0, bytesRead), null, maxBytes, info.size);
      } finally {
        await fh.close();
      }
    }
    const it = (input.stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < PEEK_BYTES) {
      const next = await it.next();
      if (next.done) break;
      const chunk = toBytes(next.value);
      parts.push(chunk);
      got += chunk.byteLength;
      if (got > maxBytes) throw tooLarge(maxBytes);
    }
    return new ByteSource(input, Buffer.concat(parts), it, maxBytes, null);
  }

  /** The whole input as chunks (the peeked head first); usable once for stream inputs. */
  async *chunks(): AsyncGenerator<Uint8Array> {
    if (this.input.bytes) {
      const b = this.input.bytes;
      for (let i = 0; i < b.byteLength; i += PEEK_BYTES) yield b.subarray(i, i + PEEK_BYTES);
      return;
    }
    if (this.input.path !== undefined) {
      for await (const c of createReadStream(this.input.path, { highWaterMark: PEEK_BYTES })) {
        yield c as Buffer;
      }
      return;
    }
    let total = this.head.byteLength;
    if (total > 0) yield this.head;
    const it = this.rest;
    if (!it) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      const chunk = toBytes(next.value);
      total += chunk.byteLength;
      if (total > this.maxBytes) throw tooLarge(this.maxBytes);
      yield chunk;
    }
  }

  /**
   * Random access to the input. A stream is spooled to a private temporary file (bounded by the
   * size limit, deleted on close) so a large upload is never held in memory whole.
   */
  async randomAccess(): Promise<RandomAccess> {
    if (this.input.path !== undefined) return fileAccess(this.input.path);
    if (this.input.bytes) return bytesAccess(this.input.bytes);
    const dir = await mkdtemp(join(tmpdir(), "mbe-formats-spool-"));
    const file = join(dir, "upload.bin");
    try {
      await pipeline(this.chunks(), createWriteStream(file, { mode: 0o600 }));
      const access = await fileAccess(file);
      return {
        ...access,
        async close() {
          await access.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return Buffer.from(v, "utf8");
  throw new FormatError("INVALID_OPTION", "Stream must yield bytes");
}

function tooLarge(max: number): FormatError {
  return new FormatError("FILE_TOO_LARGE", `File is larger than ${max} bytes`, { maxBytes: max });
}

function bytesAccess(bytes: Uint8Array): RandomAccess {
  return {
    size: bytes.byteLength,
    async read(position, length) {
      return bytes.subarray(position, Math.min(bytes.byteLength, position + length));
    },
    async *range(start, end) {
      const step = 256 * 1024;
      for (let i = start; i < end; i += step) yield bytes.subarray(i, Math.min(end, i + step));
    },
    async close() {},
  };
}

async function fileAccess(path: string): Promise<RandomAccess> {
  const fh = await open(path, "r");
  const { size } = await fh.stat();
  return {
    size,
    path,
    async read(position, length) {
      const len = Math.max(0, Math.min(length, size - position));
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, position);
      return buf.subarray(0, bytesRead);
    },
    async *range(start, end) {
      if (end <= start) return;
      for await (const c of createReadStream(path, { start, end: end - 1 })) yield c as Buffer;
    },
    async close() {
      await fh.close();
    },
  };
}
