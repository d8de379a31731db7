import { randomUUID } from "node:crypto";
import { changeSets, type DbHandle, ocrScans, templates, users } from "@mbe/db";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { databaseDrivers } from "../test/drivers";
import { listChangeSets } from "./change-sets/list";
import type { CoreContext } from "./context";
import { listScans } from "./ocr/scans";
import { encodeCursor } from "./paging";
import { listTemplates } from "./templates/crud";

const drivers = databaseDrivers();

const silent = { info() {}, warn() {}, error() {} };

async function seller(h: DbHandle) {
  const userId = randomUUID();
  await h.db.insert(users).values({ id: userId, email: `${userId}@x.test`, passwordHash: "x" });
  return {
    userId,
    ctx: {
      db: h.db,
      rootDb: h.db,
      actor: { userId, role: "seller", via: "jwt", scopes: ["read", "write"] },
      requestId: "test",
      log: silent,
      hooks: {},
    } as unknown as CoreContext,
  };
}

/** Every page of a collection, following `nextCursor`. */
async function allPages(
  list: (cursor?: string) => Promise<{ items: { id: string }[]; nextCursor: string | null }>,
) {
  const ids: string[] = [];
  let pages = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await list(cursor);
    pages++;
    ids.push(...page.items.map((i) => i.id));
    if (!page.nextCursor) return { ids, pages };
    cursor = page.nextCursor;
    if (pages > 50) throw new Error("paging does not end");
  }
}

// Rows sharing a timestamp (one statement's now()) or a millisecond must each be listed once.
describe.each(drivers)("collection pages on %s", (_name, open) => {
  it("pages change sets, templates and scans by keyset, each row once, the owner's only", async () => {
    const h = await open();
    const a = await seller(h);
    const b = await seller(h);
    const sameMs = ["2026-03-01 10:00:00.123900+00", "2026-03-01 10:00:00.123100+00"];
    const mine = await h.db
      .insert(changeSets)
      .values([
        ...Array.from({ length: 5 }, () => ({ ownerId: a.userId, kind: "bulk_edit" })),
        ...sameMs.map((t) => ({
          ownerId: a.userId,
          kind: "bulk_edit",
          createdAt: sql`${t}::timestamptz`,
        })),
      ])
      .returning({ id: changeSets.id });
    await h.db
      .insert(changeSets)
      .values(Array.from({ length: 3 }, () => ({ ownerId: b.userId, kind: "bulk_edit" })));

    const sets = await allPages((cursor) => listChangeSets(a.ctx, { limit: 2, cursor }));
    expect(sets.ids.sort()).toEqual(mine.map((r) => r.id).sort());
    expect(sets.pages).toBe(4);
    // `before` still narrows by time, with the cursor on top.
    const before = await listChangeSets(a.ctx, { limit: 10, before: "2026-03-01T10:00:01Z" });
    expect(before.items).toHaveLength(2);
    expect(before.nextCursor).toBeNull();

    const tpl = (ownerId: string, isPublic: boolean) => ({
      ownerId,
      name: randomUUID(),
      fields: {},
      isPublic,
      useCount: 3,
    });
    const visible = await h.db
      .insert(templates)
      .values([tpl(a.userId, false), tpl(a.userId, false), tpl(a.userId, true)])
      .returning({ id: templates.id });
    const shared = await h.db
      .insert(templates)
      .values([tpl(b.userId, true), tpl(b.userId, true), tpl(b.userId, false)])
      .returning({ id: templates.id, isPublic: templates.isPublic });
    const tpls = await allPages((cursor) => listTemplates(a.ctx, { limit: 2, cursor }));
    expect(tpls.ids.sort()).toEqual(
      [...visible, ...shared.filter((t) => t.isPublic)].map((t) => t.id).sort(),
    );

    const scan = (ownerId: string) => ({
      ownerId,
      fileName: "c.png",
      mimeType: "image/png",
      size: 1,
      storageKey: randomUUID(),
    });
    const scans = await h.db
      .insert(ocrScans)
      .values([scan(a.userId), scan(a.userId), scan(a.userId)])
      .returning({ id: ocrScans.id });
    await h.db.insert(ocrScans).values([scan(b.userId)]);
    const seen = await allPages((cursor) => listScans(a.ctx, { limit: 1, cursor }));
    expect(seen.ids.sort()).toEqual(scans.map((s) => s.id).sort());
  });

  it("refuses a cursor it did not write with a coded error", async () => {
    const h = await open();
    const a = await seller(h);
    const id = randomUUID();
    for (const cursor of [
      "not-base64-json",
      encodeCursor([], id),
      encodeCursor(["2026-02-30T00:00:00.000Z"], id),
      encodeCursor(["2026-01-01T00:00:00+25:00"], id),
      encodeCursor(["2026-01-01T00:00:00.000Z"], "1; drop table users"),
    ])
      await expect(listChangeSets(a.ctx, { cursor })).rejects.toMatchObject({
        code: "VALIDATION_FAILED",
      });
    await expect(
      listTemplates(a.ctx, { cursor: encodeCursor(["x", "2026-01-01T00:00:00.000Z"], id) }),
    ).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});
