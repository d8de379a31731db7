import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createDb, seedDemo } from "@mbe/db";
import { testServerUrl } from "@mbe/db/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type OpsIo, runOps } from "./ops";

const tmp = mkdtempSync(path.join(os.tmpdir(), "mbe-ops-"));
const admin = postgres(testServerUrl(), { max: 1, onnotice: () => {} });
const created: string[] = [];

/** A throwaway database on the test server, dropped after the file. */
async function throwawayDb(tag: string): Promise<string> {
  const name = `mbe_ops_${tag}_${process.pid}_${Date.now().toString(36)}`;
  await admin.unsafe(`create database "${name}"`);
  created.push(name);
  const u = new URL(testServerUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

function io(env: NodeJS.ProcessEnv): OpsIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    env: { PATH: process.env.PATH, ...env },
    cwd: tmp,
    lines,
    errors,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
  };
}

/** Everything a user would miss after a bad restore: listing contents and the migration journal. */
async function fingerprint(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [l] = await sql`select count(*)::int as n,
      md5(coalesce(string_agg(id::text || title || price::text || coalesce(sku, ''), ',' order by id), '')) as h
      from listings`;
    const [u] = await sql`select count(*)::int as n from users`;
    const [m] = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    const extra = await sql`select to_regclass('public.not_in_backup')::text as t`;
    return { listings: l?.n, hash: l?.h, users: u?.n, migrations: m?.n, extra: extra[0]?.t };
  } finally {
    await sql.end();
  }
}

afterAll(async () => {
  for (const name of created) await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
  rmSync(tmp, { recursive: true, force: true });
});

describe("pnpm ops on PostgreSQL", () => {
  let url: string;
  beforeAll(async () => {
    url = await throwawayDb("src");
    const r = io({ DATABASE_URL: url });
    expect(await runOps(["reset", "--yes"], r)).toBe(0);
  }, 60_000);

  it("backs up with pg_dump and restores the exact data over later changes", async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql`update listings set title = title || ' (kept)' where price > 100`;
    await sql.end();
    const before = await fingerprint(url);
    expect(before.listings).toBeGreaterThan(100);
    expect(before.users).toBe(2);

    const b = io({ DATABASE_URL: url });
    expect(await runOps(["backup"], b)).toBe(0);
    const file = b.lines.at(-1) as string;
    expect(path.dirname(file)).toBe(path.join(tmp, "backups"));
    expect(file).toMatch(/mbe-\d{8}T\d{6}Z\.dump$/);
    expect(statSync(file).size).toBeGreaterThan(10_000);

    const damage = postgres(url, { max: 1, onnotice: () => {} });
    await damage`delete from listings where price < 50`;
    await damage`update listings set title = 'overwritten'`;
    await damage`create table not_in_backup (x int)`;
    await damage.end();
    const damaged = await fingerprint(url);
    expect(damaged.hash).not.toBe(before.hash);
    expect(damaged.extra).toBe("not_in_backup");

    const refused = io({ DATABASE_URL: url });
    expect(await runOps(["restore", file], refused)).toBe(2);
    expect(refused.errors.join("\n")).toMatch(/--yes/);
    expect((await fingerprint(url)).hash).toBe(damaged.hash);

    const r = io({ DATABASE_URL: url });
    expect(await runOps(["restore", file, "--yes"], r)).toBe(0);
    const after = await fingerprint(url);
    expect(after).toEqual({ ...before, extra: null });

    // The same file restores into an empty database on the same server.
    const other = await throwawayDb("copy");
    expect(await runOps(["restore", file, "--yes"], io({ DATABASE_URL: other }))).toBe(0);
    expect(await fingerprint(other)).toEqual({ ...before, extra: null });
  }, 120_000);

  it("keeps the old data when a restore fails halfway", async () => {
    const before = await fingerprint(url);
    const bad = path.join(tmp, "broken.sql");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(bad, "create table half_done (x int);\nselect * from no_such_table;\n");
    const r = io({ DATABASE_URL: url });
    expect(await runOps(["restore", bad, "--yes"], r)).toBe(1);
    expect(r.errors.join("\n")).toMatch(/no_such_table/);
    expect(await fingerprint(url)).toEqual(before);
  }, 60_000);

  it("reset --yes drops everything, migrates and seeds the demo accounts again", async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql`create table not_in_backup (x int)`;
    await sql`delete from listings`;
    await sql.end();
    expect(await runOps(["reset"], io({ DATABASE_URL: url }))).toBe(2);
    expect(await runOps(["reset", "--yes"], io({ DATABASE_URL: url }))).toBe(0);
    const after = await fingerprint(url);
    expect(after.extra).toBeNull();
    expect(after.users).toBe(2);
    expect(after.listings).toBeGreaterThan(100);
  }, 60_000);

  it("health reports a running API's /health/ready and fails when it is degraded", async () => {
    let status = 200;
    const server = createServer((req, res) => {
      res.writeHead(req.url === "/health/ready" ? status : 404, {
        "content-type": "application/json",
      });
      res.end(JSON.stringify({ status: status === 200 ? "ready" : "degraded" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = io({});
      expect(await runOps(["health", "--url", api], ok)).toBe(0);
      expect(ok.lines.join("\n")).toContain('"status":"ready"');
      status = 503;
      const bad = io({ API_URL: api });
      expect(await runOps(["health"], bad)).toBe(1);
      expect(bad.lines.join("\n")).toContain("→ 503");
    } finally {
      server.close();
    }
  });

  it("health checks PostgreSQL and Redis directly when no API answers, and fails on a dead Redis", async () => {
    const ok = io({
      DATABASE_URL: url,
      REDIS_URL: inject("redisUrl"),
      SEARCH_ENABLED: "0",
      API_URL: "http://127.0.0.1:9",
    });
    expect(await runOps(["health"], ok)).toBe(0);
    expect(ok.lines.join("\n")).toMatch(/ok {3}database: PostgreSQL 1\d/);
    expect(ok.lines.join("\n")).toMatch(/ok {3}redis: PONG/);

    const bad = io({
      DATABASE_URL: url,
      REDIS_URL: "redis://127.0.0.1:9",
      SEARCH_ENABLED: "0",
      API_URL: "http://127.0.0.1:9",
    });
    expect(await runOps(["health"], bad)).toBe(1);
    expect(bad.lines.join("\n")).toMatch(/FAIL redis/);
  }, 30_000);
});

describe("pnpm ops without DATABASE_URL (PGlite)", () => {
  it("backs up by copying the PGlite folder and restores it", async () => {
    const dir = path.join(tmp, "pglite");
    const listingCount = async (h: ReturnType<typeof createDb>) => {
      const r = await h.pglite?.query<{ n: number }>("select count(*)::int as n from listings");
      return r?.rows[0]?.n;
    };
    const h = createDb({ pgliteDir: dir });
    await h.migrate();
    await seedDemo(h.db, {
      password: "demo-password-1",
      adminPassword: "admin-password-1",
      listingCount: 10,
    });
    const seeded = await listingCount(h);
    await h.close();
    expect(seeded).toBeGreaterThan(0);

    const b = io({ PGLITE_DIR: dir });
    expect(await runOps(["backup"], b)).toBe(0);
    const copy = b.lines.at(-1) as string;
    expect(copy).toMatch(/backups\/pglite-\d{8}T\d{6}Z$/);
    expect(existsSync(path.join(copy, "PG_VERSION"))).toBe(true);
    expect(b.errors.join("\n")).toMatch(/DATABASE_URL is not set/);

    const d = createDb({ pgliteDir: dir });
    await d.pglite?.query("delete from listings");
    expect(await listingCount(d)).toBe(0);
    await d.close();

    expect(await runOps(["restore", copy, "--yes"], io({ PGLITE_DIR: dir }))).toBe(0);
    const restored = createDb({ pgliteDir: dir });
    expect(await listingCount(restored)).toBe(seeded);
    await restored.close();
  }, 120_000);

  it("explains what it needs instead of failing obscurely", async () => {
    const none = io({ PGLITE_DIR: path.join(tmp, "nothing-here") });
    expect(await runOps(["backup"], none)).toBe(1);
    expect(none.errors.join("\n")).toMatch(/DATABASE_URL is not set and there is no PGlite/);

    const shell = io({});
    expect(await runOps(["db-shell"], shell)).toBe(1);
    expect(shell.errors.join("\n")).toMatch(/DATABASE_URL is not set/);

    const reindex = io({});
    expect(await runOps(["reindex"], reindex)).toBe(1);
    expect(reindex.errors.join("\n")).toMatch(/REDIS_URL/);

    const unknown = io({});
    expect(await runOps(["frobnicate"], unknown)).toBe(2);
    expect(unknown.errors.join("\n")).toMatch(/usage: pnpm ops/);
  });

  it("runs as `pnpm ops` from the repository root", () => {
    const r = spawnSync("pnpm", ["-s", "ops", "logs"], {
      cwd: path.resolve(import.meta.dirname, ".."),
      encoding: "utf8",
      env: { ...process.env, COMPOSE_PROJECT_NAME: "" },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/docker compose logs -f api worker/);
  }, 30_000);
});
