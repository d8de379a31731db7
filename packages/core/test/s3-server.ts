import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";

export interface TestS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The folder the server keeps objects in, to show what is really stored. */
  directory: string;
  stop(): Promise<void>;
}

/**
 * A real S3-speaking HTTP server (s3rver) on 127.0.0.1 with one empty bucket, objects kept in a
 * fresh temp folder; stop() closes it and deletes the folder.
 */
export async function startTestS3(bucket = "mbe-test"): Promise<TestS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), "mbe-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    // s3rver's fixed credentials; it checks the SigV4 signature against them.
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    directory,
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
