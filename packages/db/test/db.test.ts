import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createDb, type DbHandle, rowsOf } from "../src/client";
import { listings, users } from "../src/schema/index";
import { DEMO_EMAIL, demoListings, seedDemo } from "../src/seed";

const handles: DbHandle[] = [];
afterAll(async () => {
  for (const h of handles) await h.close();
});

const drivers: [string, () => Promise<DbHandle>][] = [
  ["postgres", async () => createDb({ url: inject("databaseUrl"), max: 2 })],
  [
    "pglite",
    async () => {
      const h = createDb({
        pgliteDir: path.join(mkdtempSync(path.join(os.tmpdir(), "mbe-pglite-")), "db"),
      });
      await h.migrate();
      return h;
    },
  ],
];

describe.each(drivers)("database on %s", (_name, open) => {
  let h: DbHandle;
  it("applies the committed migrations (idempotently)", async () => {
    h = await open();
    handles.push(h);
    await h.migrate();
    const tables = rowsOf<{ table_name: string }>(
      await h.db.execute(
        sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
      ),
    ).map((r) => r.table_name);
    expect(tables).toEqual(
      expect.arrayContaining([
        "users",
        "listings",
        "change_sets",
        "change_set_entries",
        "audit_logs",
        "api_keys",
        "refresh_tokens",
        "password_reset_tokens",
        "templates",
        "imports",
        "export_jobs",
        "ocr_scans",
      ]),
    );
    const ext = rowsOf<{ extname: string }>(
      await h.db.execute(sql`select extname from pg_extension`),
    ).map((r) => r.extname);
    expect(ext).toContain("pg_trgm");
  });

  it("enforces case-insensitive unique emails and per-seller unique SKUs", async () => {
    const email = `Case-${Date.now()}@Example.test`;
    const [u] = await h.db.insert(users).values({ email, passwordHash: "x" }).returning();
    await expect(
      h.db.insert(users).values({ email: email.toLowerCase(), passwordHash: "x" }),
    ).rejects.toThrow();
    if (!u) throw new Error("no user");
    await h.db.insert(listings).values({ ownerId: u.id, title: "a", price: "1.00", sku: "S1" });
    await expect(
      h.db.insert(listings).values({ ownerId: u.id, title: "b", price: "1.00", sku: "S1" }),
    ).rejects.toThrow();
    await h.db.insert(listings).values({ ownerId: u.id, title: "c", price: "1.00", sku: null });
    await h.db.insert(listings).values({ ownerId: u.id, title: "d", price: "1.00", sku: null });
    const [c] = rowsOf<{ n: number }>(
      await h.db.execute(sql`select count(*)::int as n from listings where owner_id = ${u.id}`),
    );
    expect(Number(c?.n)).toBe(3);
  });

  it("stores prices exactly as numeric(12,2)", async () => {
    const [u] = await h.db
      .insert(users)
      .values({ email: `p-${Date.now()}@x.test`, passwordHash: "x" })
      .returning();
    if (!u) throw new Error("no user");
    const [l] = await h.db
      .insert(listings)
      .values({ ownerId: u.id, title: "t", price: "1234567890.99" })
      .returning();
    expect(l?.price).toBe("1234567890.99");
  });

  it("seeds the demo seller once, with ~200 realistic listings", async () => {
    const first = await seedDemo(h.db, {
      password: "demo-password",
      adminPassword: "admin-password",
      listingCount: 200,
    });
    const again = await seedDemo(h.db, {
      password: "demo-password",
      adminPassword: "admin-password",
      listingCount: 200,
    });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    const [demo] = await h.db.select().from(users).where(eq(users.email, DEMO_EMAIL));
    if (!demo) throw new Error("no demo user");
    const rows = await h.db.select().from(listings).where(eq(listings.ownerId, demo.id));
    expect(rows.length).toBe(200);
    expect(new Set(rows.map((r) => r.category)).size).toBeGreaterThan(5);
    expect(rows.every((r) => Number(r.price) > 0 && r.title.length > 5)).toBe(true);
  });

  it("can answer the listing text filter from the trigram index", async () => {
    // Tiny tables are scanned anyway; with scans disabled the plan shows whether the index fits.
    const plan = await h.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return rowsOf<Record<string, string>>(
        await tx.execute(
          sql`explain select id from listings where (coalesce(title, '') || ' ' || coalesce(sku, '') || ' ' || coalesce(category, '')) ilike '%battery%'`,
        ),
      );
    });
    expect(JSON.stringify(plan)).toContain("listings_search_trgm_idx");
  });
});

describe("demo data", () => {
  it("is deterministic", () => {
    const a = demoListings("00000000-0000-4000-8000-000000000000", 20);
    const b = demoListings("00000000-0000-4000-8000-000000000000", 20);
    expect(a).toEqual(b);
  });
});
