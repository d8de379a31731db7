import { createHash, randomUUID } from "node:crypto";
import { CoreError, createImport, getImport } from "@mbe/core";
import { imports } from "@mbe/db";
import { createQueues } from "@mbe/jobs";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime, until } from "../test/runtime";

const { db, bullRedis, prefix, opts, seller, close } = testRuntime("ik");

beforeAll(() => db.migrate());
afterAll(() => close());

/** Stores a CSV as an upload (each request stores its own copy, as the API does). */
async function stored(csv: string) {
  const bytes = new TextEncoder().encode(csv);
  const storageKey = `imports/${randomUUID()}.csv`;
  await opts.runtime.storage.put(storageKey, bytes);
  return {
    fileName: "upload.csv",
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    storageKey,
  };
}

describe("uploads replayed with the same Idempotency-Key", () => {
  it("answers a parallel replay with the first import as it stands when its dry run could not be queued", async () => {
    const { id: ownerId, ctx } = await seller("Replay");
    const csv = "title,price\nLamp,12\n";
    // Redis stops answering the first request's connection: the job it queues for the dry run
    // waits until the request gives up and answers 503.
    const stuck = bullRedis.duplicate();
    const stuckQueues = createQueues(stuck, prefix);
    try {
      await stuckQueues.imports.waitUntilReady();
      stuck.stream.pause();
      const first = createImport({ ...ctx, queues: stuckQueues }, await stored(csv), {}, "k-1", 0);
      first.catch(() => undefined);
      await until(
        async () =>
          (
            await db.db
              .select()
              .from(imports)
              .where(and(eq(imports.ownerId, ownerId), eq(imports.idempotencyKey, "k-1")))
          )[0],
      );
      // The replay, sent meanwhile, answers with the first import.
      const replay = await createImport(ctx, await stored(csv), {}, "k-1", 0);
      expect(replay.replayed).toBe(true);
      await expect(first).rejects.toSatisfy(
        (e) => e instanceof CoreError && e.code === "SERVICE_UNAVAILABLE",
      );
      // The import the replay named is still there, failed with the reason.
      const seen = await getImport(ctx, replay.id);
      expect(seen.status).toBe("failed");
      expect(seen.error).toMatch(/^SERVICE_UNAVAILABLE: The dry run could not be queued/);
      // Sent again with the same key, the upload starts afresh.
      const again = await createImport(ctx, await stored(csv), {}, "k-1", 0);
      expect(again.replayed).toBe(false);
      expect(again.id).not.toBe(replay.id);
      expect((await createImport(ctx, await stored(csv), {}, "k-1", 0)).id).toBe(again.id);
      const rows = await db.db.select().from(imports).where(eq(imports.ownerId, ownerId));
      expect(rows.map((r) => r.status).sort()).toEqual(["failed", "uploaded"]);
    } finally {
      stuck.stream.resume();
      await stuckQueues.close();
      stuck.disconnect();
    }
  }, 60_000);
});
