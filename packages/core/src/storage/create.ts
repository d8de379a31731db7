import path from "node:path";
import { LocalStorage } from "./local";
import { S3Storage } from "./s3";
import type { Storage } from "./storage";

/** The storage settings each app parses from its environment. */
export interface StorageSettings {
  STORAGE_DRIVER: "local" | "s3";
  DATA_DIR: string;
  S3_BUCKET?: string;
  S3_REGION?: string;
  S3_ENDPOINT?: string;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
  S3_FORCE_PATH_STYLE?: boolean;
}

/**
 * The configured store: a folder under DATA_DIR, or an S3-compatible bucket (required once API
 * replicas and workers no longer share a disk).
 */
export function createStorage(settings: StorageSettings): Storage {
  if (settings.STORAGE_DRIVER === "local")
    return new LocalStorage(path.join(settings.DATA_DIR, "files"));
  if (!settings.S3_BUCKET) throw new Error("STORAGE_DRIVER=s3 needs S3_BUCKET");
  if (!!settings.S3_ACCESS_KEY_ID !== !!settings.S3_SECRET_ACCESS_KEY)
    throw new Error("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together");
  return new S3Storage({
    bucket: settings.S3_BUCKET,
    region: settings.S3_REGION,
    endpoint: settings.S3_ENDPOINT,
    accessKeyId: settings.S3_ACCESS_KEY_ID,
    secretAccessKey: settings.S3_SECRET_ACCESS_KEY,
    forcePathStyle: settings.S3_FORCE_PATH_STYLE,
  });
}
