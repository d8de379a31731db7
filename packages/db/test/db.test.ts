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
        "listing_search",
        "change_sets",
        "change_set_chunks",
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

  it("answers one seller's text filter from the owner + trigram index", async () => {
    // Tiny tables are scanned anyway; with scans disabled the plan shows whether the index fits,
    // and that it takes the owner as well as the text (both are conditions of the index scan).
    const plan = await h.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return rowsOf<Record<string, string>>(
        await tx.execute(
          sql`explain select listing_id from listing_search where owner_id = '00000000-0000-4000-8000-000000000001' and text ilike '%battery%'`,
        ),
      );
    });
    const text = JSON.stringify(plan);
    expect(text).toContain("listing_search_owner_text_trgm_idx");
    expect(text).toMatch(/Index Cond: \(\(owner_id = [^)]*\) AND \(text ~~\* /);
  });

  it("keeps each listing's search text in step with its title, SKU and category", async () => {
    const [u] = await h.db
      .insert(users)
      .values({ email: `s-${Date.now()}@x.test`, passwordHash: "x" })
      .returning();
    if (!u) throw new Error("no user");
    const texts = async () =>
      rowsOf<{ title: string; text: string | null }>(
        await h.db.execute(
          sql`select l.title, s.text from listings l left join listing_search s on s.listing_id = l.id where l.owner_id = ${u.id} order by l.title`,
        ),
      );
    const orphans = async () =>
      rowsOf<{ n: number }>(
        await h.db.execute(
          sql`select count(*)::int as n from listing_search s where s.owner_id = ${u.id} and not exists (select 1 from listings l where l.id = s.listing_id)`,
        ),
      )[0]?.n;
    await h.db.insert(listings).values([
      { ownerId: u.id, title: "Anker battery", price: "1.00", sku: "A1", category: "Power" },
      { ownerId: u.id, title: "Bosch drill", price: "2.00" },
    ]);
    expect(await texts()).toEqual([
      { title: "Anker battery", text: "Anker battery A1 Power" },
      { title: "Bosch drill", text: "Bosch drill  " },
    ]);
    // A price-only change leaves the text alone; a title or SKU change rewrites it.
    await h.db.execute(sql`update listings set price = price * 2 where owner_id = ${u.id}`);
    await h.db.execute(
      sql`update listings set title = 'Bosch hammer drill', sku = 'B2' where owner_id = ${u.id} and title = 'Bosch drill'`,
    );
    expect(await texts()).toEqual([
      { title: "Anker battery", text: "Anker battery A1 Power" },
      { title: "Bosch hammer drill", text: "Bosch hammer drill B2 " },
    ]);
    await h.db.execute(sql`delete from listings where owner_id = ${u.id} and sku = 'A1'`);
    expect(await texts()).toEqual([
      { title: "Bosch hammer drill", text: "Bosch hammer drill B2 " },
    ]);
    await h.db.delete(users).where(eq(users.id, u.id));
    expect(Number(await orphans())).toBe(0);
  });
});

describe("demo data", () => {
  it("is deterministic", () => {
    const a = demoListings("00000000-0000-4000-8000-000000000000", 20);
    const b = demoListings("00000000-0000-4000-8000-000000000000", 20);
    expect(a).toEqual(b);
  });
});
