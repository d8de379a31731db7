import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestS3, type TestS3 } from "../../test/s3-server";
import { CoreError } from "../errors";
import { LocalStorage } from "./local";
import { S3Storage } from "./s3";
import type { Storage } from "./storage";

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** Streams `total` bytes of `data` in small chunks, as an HTTP upload would arrive. */
function chunked(data: Buffer, chunk = 64 * 1024): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) return this.push(null);
      this.push(data.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface Subject {
  storage: Storage;
  done(): Promise<void>;
}

const subjects: Record<string, () => Promise<Subject>> = {
  LocalStorage: async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mbe-local-"));
    return {
      storage: new LocalStorage(dir),
      done: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  S3Storage: async () => {
    const s3 = await startTestS3();
    const storage = new S3Storage({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    return {
      storage,
      done: async () => {
        storage.close();
        await s3.stop();
      },
    };
  },
};

for (const [name, make] of Object.entries(subjects)) {
  describe(`Storage contract: ${name}`, () => {
    let subject: Subject;
    beforeAll(async () => {
      subject = await make();
    });
    afterAll(async () => {
      await subject?.done();
    });

    it("stores bytes and streams them back", async () => {
      const { storage } = subject;
      const put = await storage.put("u1/imports/small.csv", Buffer.from("title,price\nLamp,12\n"));
      expect(put.size).toBe(20);
      expect(await storage.stat("u1/imports/small.csv")).toEqual({ size: 20 });
      const back = await readAll(await storage.get("u1/imports/small.csv"));
      expect(back.toString()).toBe("title,price\nLamp,12\n");
    });

    it("round-trips a 12 MiB random file streamed in 64 KiB chunks, byte for byte", async () => {
      const { storage } = subject;
      const data = randomBytes(12 * 1024 * 1024 + 123);
      const put = await storage.put("u1/exports/big.bin", chunked(data));
      expect(put.size).toBe(data.length);
      expect((await storage.stat("u1/exports/big.bin"))?.size).toBe(data.length);
      const back = await readAll(await storage.get("u1/exports/big.bin"));
      expect(back.length).toBe(data.length);
      expect(sha(back)).toBe(sha(data));

      const local = await storage.localFile("u1/exports/big.bin");
      try {
        expect(sha(readFileSync(local.path))).toBe(sha(data));
      } finally {
        await local.release();
      }
    }, 60_000);

    it("overwrites a key with new content", async () => {
      const { storage } = subject;
      await storage.put("u1/x/over.txt", Buffer.from("first version"));
      await storage.put("u1/x/over.txt", Readable.from([Buffer.from("second")]));
      expect((await readAll(await storage.get("u1/x/over.txt"))).toString()).toBe("second");
    });

    it("deletes, after which get is NOT_FOUND and stat is null; deleting again is harmless", async () => {
      const { storage } = subject;
      await storage.put("u1/x/gone.txt", Buffer.from("bye"));
      await storage.delete("u1/x/gone.txt");
      expect(await storage.stat("u1/x/gone.txt")).toBeNull();
      await expect(storage.get("u1/x/gone.txt")).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(storage.delete("u1/x/gone.txt")).resolves.toBeUndefined();
    });

    it("reports a missing key as a CoreError NOT_FOUND for get and localFile", async () => {
      const { storage } = subject;
      const err = await storage.get("u1/x/never.bin").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CoreError);
      expect((err as CoreError).code).toBe("NOT_FOUND");
      await expect(storage.localFile("u1/x/never.bin")).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      expect(await storage.stat("u1/x/never.bin")).toBeNull();
    });

    it("keeps nothing when the upload stream fails midway", async () => {
      const { storage } = subject;
      let sent = 0;
      const failing = new Readable({
        read() {
          if (sent >= 7 * 1024 * 1024) {
            this.destroy(new Error("client went away"));
            return;
          }
          sent += 256 * 1024;
          this.push(randomBytes(256 * 1024));
        },
      });
      await expect(storage.put("u1/x/broken.bin", failing)).rejects.toThrow();
      expect(await storage.stat("u1/x/broken.bin")).toBeNull();
    }, 60_000);

    it("refuses keys that could escape their folder", async () => {
      const { storage } = subject;
      await expect(storage.put("../etc/passwd", Buffer.from("x"))).rejects.toThrow(
        /invalid storage key/,
      );
    });
  });
}

describe("S3Storage specifics", () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3("mbe-prefixed");
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it("writes under the configured key prefix and checks the bucket for readiness", async () => {
    const storage = new S3Storage({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
      prefix: "tenant-a/",
    });
    await storage.put("u9/imports/a.csv", Buffer.from("a"));
    const unprefixed = new S3Storage({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
    });
    expect(await unprefixed.stat("tenant-a/u9/imports/a.csv")).toEqual({ size: 1 });
    expect(await unprefixed.stat("u9/imports/a.csv")).toBeNull();
    unprefixed.close();
    expect(await storage.check()).toEqual({ bucket: "mbe-prefixed" });
    const missing = new S3Storage({
      bucket: "no-such-bucket",
      endpoint: s3.endpoint,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
    });
    await expect(missing.check()).rejects.toThrow();
    storage.close();
    missing.close();
  });
});
