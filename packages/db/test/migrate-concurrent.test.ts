import { readFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDb, migrationsFolder } from "../src/client";
import { testServerUrl } from "./harness";

// Every API replica and worker applies the migrations at start-up; several start at once in a
// deployment, against a database none of them has migrated yet.
const admin = postgres(testServerUrl(), { max: 1, onnotice: () => {} });
const name = `mbe_migrate_${process.pid}_${Date.now().toString(36)}`;
let url = "";
beforeAll(async () => {
  await admin.unsafe(`create database "${name}"`);
  const u = new URL(testServerUrl());
  u.pathname = `/${name}`;
  url = u.toString();
});
afterAll(async () => {
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
});

it("applies the migrations once when several processes start on a new database at the same time", async () => {
  const handles = Array.from({ length: 4 }, () => createDb({ url, max: 2 }));
  try {
    const results = await Promise.allSettled(handles.map((h) => h.migrate()));
    expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
    ]);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
  const journal = JSON.parse(
    readFileSync(path.join(migrationsFolder, "meta/_journal.json"), "utf8"),
  ) as { entries: unknown[] };
  const db = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [applied] = await db`select count(*)::int as n from drizzle.__drizzle_migrations`;
    expect(applied?.n).toBe(journal.entries.length);
    const [listings] = await db`select count(*)::int as n from listings`;
    expect(listings?.n).toBe(0);
  } finally {
    await db.end();
  }
});
