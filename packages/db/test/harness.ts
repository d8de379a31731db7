import postgres from "postgres";
import { createDb } from "../src/client";

/** Base URL of the PostgreSQL server tests create their throwaway databases on. */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/**
 * Creates a fresh database for one test run and applies the real migrations.
 * Fails with one line saying what is missing when no server answers.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = testServerUrl();
  const admin = postgres(base, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  const name = `mbe_test_${process.pid}_${Date.now().toString(36)}`;
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (err) {
    await admin.end();
    throw new Error(
      `PostgreSQL is not reachable at ${base} (${(err as Error).message}): start it or set TEST_DATABASE_URL`,
    );
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const handle = createDb({ url, max: 1 });
  await handle.migrate();
  await handle.close();
  return {
    url,
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}
