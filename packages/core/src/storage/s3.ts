import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline as pipelineCb, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { CoreError } from "../errors";
import { assertKey, type Storage } from "./storage";

export interface S3StorageOptions {
  bucket: string;
  region?: string;
  /** For S3-compatible stores (MinIO, R2, Ceph…); unset means AWS. */
  endpoint?: string;
  /** Unset uses the SDK's default chain (environment, instance or task role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key` (MinIO and most self-hosted stores). */
  forcePathStyle?: boolean;
  /** Key prefix inside the bucket, so one bucket can hold several deployments. */
  prefix?: string;
  /** Multipart part size; each in-flight part is held in memory once. */
  partSize?: number;
  /** Parts uploaded at once. */
  queueSize?: number;
  /** Where `localFile` downloads to. */
  tmpDir?: string;
}

const MIN_PART = 5 * 1024 * 1024;

function isMissing(err: unknown): boolean {
  if (err instanceof S3ServiceException) {
    return (
      err.$metadata.httpStatusCode === 404 || err.name === "NoSuchKey" || err.name === "NotFound"
    );
  }
  return false;
}

/**
 * Storage in an S3-compatible bucket, for deployments where API replicas and workers run on
 * different machines. Bodies stream in both directions: uploads go up as multipart parts, so a
 * file of hundreds of MB never sits in memory whole (at most `partSize × queueSize`).
 */
export class S3Storage implements Storage {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly tmpDir: string;

  constructor(opts: S3StorageOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ? `${opts.prefix.replace(/\/+$/, "")}/` : "";
    this.partSize = Math.max(MIN_PART, opts.partSize ?? 8 * 1024 * 1024);
    this.queueSize = Math.max(1, opts.queueSize ?? 4);
    this.tmpDir = opts.tmpDir ?? os.tmpdir();
    this.client = new S3Client({
      region: opts.region ?? "us-east-1",
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle ?? false,
      credentials:
        opts.accessKeyId && opts.secretAccessKey
          ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
          : undefined,
      // Many S3-compatible servers reject the SDK's newer checksum trailers; AWS itself does not
      // need them, so they are sent only where the operation requires one.
      ...(opts.endpoint
        ? {
            requestChecksumCalculation: "WHEN_REQUIRED" as const,
            responseChecksumValidation: "WHEN_REQUIRED" as const,
          }
        : {}),
    });
  }

  private objectKey(key: string): string {
    return this.prefix + assertKey(key);
  }

  async put(key: string, body: Readable | Uint8Array): Promise<{ size: number }> {
    const Key = this.objectKey(key);
    let size = 0;
    let counted: Readable | Uint8Array = body;
    if (body instanceof Uint8Array) size = body.byteLength;
    else {
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          done(null, chunk);
        },
      });
      // A failing source (client gone mid-upload) destroys the counter, which aborts the upload.
      counted = pipelineCb(body, counter, () => {});
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: counted },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
    return { size };
  }

  async get(key: string): Promise<Readable> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      const body = res.Body;
      if (body instanceof Readable) return body;
      if (body && "transformToWebStream" in body) {
        return Readable.fromWeb(
          body.transformToWebStream() as import("node:stream/web").ReadableStream,
        );
      }
      throw new Error("S3 response has no body");
    } catch (err) {
      if (isMissing(err)) throw new CoreError("NOT_FOUND", "Stored file not found");
      throw err;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return { size: res.ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async localFile(key: string): Promise<{ path: string; release(): Promise<void> }> {
    const stream = await this.get(key);
    const dir = await mkdtemp(path.join(this.tmpDir, "mbe-s3-"));
    const file = path.join(dir, path.basename(key));
    try {
      await pipeline(stream, createWriteStream(file));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return { path: file, release: () => rm(dir, { recursive: true, force: true }) };
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that is not there, matching LocalStorage's forgiving delete.
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
    );
  }

  /** Readiness: the bucket exists and these credentials may use it. */
  async check(): Promise<{ bucket: string }> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    return { bucket: this.bucket };
  }

  close(): void {
    this.client.destroy();
  }
}
