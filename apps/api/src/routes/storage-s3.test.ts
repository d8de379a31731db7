import { readFileSync } from "node:fs";
import path from "node:path";
import { S3Storage } from "@mbe/core";
import { startTestS3, type TestS3 } from "@mbe/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi, upload, waitFor } from "../../test/harness";

const FIXTURES = path.resolve(__dirname, "../../../../packages/formats/test/fixtures");

let s3: TestS3;
let api: TestApi;
/** A second client on the same bucket: what it sees is really in object storage. */
let bucket: S3Storage;

beforeAll(async () => {
  s3 = await startTestS3("mbe-api");
  api = await createTestApi(
    {
      RATE_LIMIT_PER_MINUTE: "100000",
      UPLOADS_PER_MINUTE: "1000",
      EXPORTS_PER_HOUR: "1000",
      STORAGE_DRIVER: "s3",
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: "true",
    },
    { workers: true },
  );
  bucket = new S3Storage({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
  });
});
afterAll(async () => {
  bucket?.close();
  await api?.close();
  await s3?.stop();
});

async function storageKey(table: "imports" | "exports", id: string): Promise<string> {
  const sql = api.db.sql;
  if (!sql) throw new Error("the API tests run on PostgreSQL");
  const rows =
    table === "imports"
      ? await sql`select storage_key from imports where id = ${id}`
      : await sql`select storage_key from export_jobs where id = ${id}`;
  const key = rows[0]?.storage_key;
  if (typeof key !== "string") throw new Error(`no storage key for ${table} ${id}`);
  return key;
}

describe("imports and exports with S3 object storage", () => {
  it("keeps the upload and the export file in the bucket and serves both through the API", async () => {
    expect(api.deps.storage).toBeInstanceOf(S3Storage);
    const s = await signUp(api);
    const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, "facebook-listings-small.xlsx")));

    const up = await upload<{ id: string; status: string; counts: Record<string, number> }>(
      api,
      "/v1/imports",
      { name: "facebook-listings-small.xlsx", bytes },
      { token: s.accessToken },
    );
    expect(up.status).toBe(201);
    expect(up.body.status).toBe("previewed");
    expect(up.body.counts.create).toBe(3);
    const uploadKey = await storageKey("imports", up.body.id);
    expect(await bucket.stat(uploadKey)).toEqual({ size: bytes.byteLength });

    const commit = await call(api, "POST", `/v1/imports/${up.body.id}/commit`, {
      token: s.accessToken,
      body: {},
    });
    expect([200, 202]).toContain(commit.status);
    const committed = await waitFor(async () => {
      const r = await call<{ status: string }>(api, "GET", `/v1/imports/${up.body.id}`, {
        token: s.accessToken,
      });
      return r.body.status === "committed" || r.body.status === "failed" ? r.body : undefined;
    });
    expect(committed.status).toBe("committed");
    const listings = await call<{ items: { title: string }[] }>(api, "GET", "/v1/listings", {
      token: s.accessToken,
    });
    expect(listings.body.items.length).toBe(3);

    const queued = await call<{ id: string }>(api, "POST", "/v1/exports", {
      token: s.accessToken,
      body: { format: "json", mode: "job" },
    });
    expect(queued.status).toBe(202);
    const done = await waitFor(async () => {
      const r = await call<{ status: string; downloadUrl: string | null }>(
        api,
        "GET",
        `/v1/exports/${queued.body.id}`,
        { token: s.accessToken },
      );
      return r.body.status === "completed" || r.body.status === "failed" ? r.body : undefined;
    });
    expect(done.status).toBe("completed");
    const exportKey = await storageKey("exports", queued.body.id);
    const stored = await bucket.stat(exportKey);
    expect(stored?.size).toBeGreaterThan(0);

    const file = await api.app.request(done.downloadUrl as string);
    expect(file.status).toBe(200);
    const body = Buffer.from(await file.arrayBuffer());
    expect(body.length).toBe(stored?.size);
    const json = JSON.parse(body.toString("utf8"));
    const rows = Array.isArray(json) ? json : json.listings;
    expect(rows.map((r: { title: string }) => r.title).sort()).toEqual(
      listings.body.items.map((l) => l.title).sort(),
    );
  }, 60_000);
});
