import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, type DbHandle } from "@mbe/db";
import { createTestDatabase } from "@mbe/db/testing";
import { afterAll } from "vitest";

/**
 * The two database drivers the product runs on, for `describe.each`: PostgreSQL in production,
 * PGlite under `pnpm start`. Each call opens a fresh, migrated database, closed after the file.
 */
export function databaseDrivers(): [string, () => Promise<DbHandle>][] {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return [
    [
      "postgres",
      async () => {
        const database = await createTestDatabase();
        const h = createDb({ url: database.url, max: 2 });
        cleanups.push(database.drop, () => h.close());
        return h;
      },
    ],
    [
      "pglite",
      async () => {
        const h = createDb({
          pgliteDir: path.join(mkdtempSync(path.join(os.tmpdir(), "mbe-pglite-")), "db"),
        });
        await h.migrate();
        cleanups.push(() => h.close());
        return h;
      },
    ],
  ];
}
