import { randomUUID } from "node:crypto";
import { copyIntoFor, type DbHandle, users } from "@mbe/db";
import type { CoreContext } from "../src/context";
import { LocalStorage } from "../src/storage/local";

const silent = { info() {}, warn() {}, error() {} };

/**
 * A new seller on `h` and a core context acting as them over JWT (read and write), with files
 * stored in `dir`: for verbs called directly, as the import tests call them.
 */
export async function sellerContext(h: DbHandle, dir: string) {
  const userId = randomUUID();
  await h.db.insert(users).values({ id: userId, email: `${userId}@x.test`, passwordHash: "x" });
  const storage = new LocalStorage(dir);
  const ctx = {
    db: h.db,
    rootDb: h.db,
    copyInto: copyIntoFor(h),
    storage,
    actor: { userId, role: "seller", via: "jwt", scopes: ["read", "write"] },
    requestId: "test",
    log: silent,
    hooks: {},
  } as unknown as CoreContext;
  return { ctx, storage, userId };
}
