import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { type ExtractTablesWithRelations, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/postgres-js";
import { migrate as migratePg } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema/index";

export type Schema = typeof schema;
/** The drizzle database both drivers satisfy; verbs take this, never a driver-specific type. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** A database or an open transaction: verbs reuse an outer transaction when given one. */
export type DbOrTx = Db | Tx;

export const migrationsFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../migrations",
);

export interface DbHandle {
  db: Db;
  kind: "postgres" | "pglite";
  /** postgres.js client when kind is "postgres" (COPY streams need it). */
  sql?: postgres.Sql;
  /** PGlite instance when kind is "pglite". */
  pglite?: PGlite;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** postgres:// URL; when absent, PGlite is used with data in `pgliteDir` (or in memory). */
  url?: string;
  pgliteDir?: string;
  max?: number;
}

/**
 * Applies the migrations while holding a session advisory lock: API replicas and workers that start
 * together would otherwise run the same DDL at once and fail; one at a time, the later ones find
 * everything applied. The lock lives on its own connection and goes with it.
 */
async function migrateLocked(url: string, sql: postgres.Sql): Promise<void> {
  const lock = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await lock`select pg_advisory_lock(hashtext('mbe.migrations'))`;
    await migratePg(drizzlePg(sql), { migrationsFolder });
  } finally {
    await lock.end({ timeout: 5 });
  }
}

/** Opens PostgreSQL (postgres.js) when a URL is given, otherwise an embedded PGlite. */
export function createDb(opts: CreateDbOptions): DbHandle {
  if (opts.url) {
    const sql = postgres(opts.url, {
      max: opts.max ?? 10,
      onnotice: () => {},
      connection: { application_name: "mbe" },
    });
    const db = drizzlePg(sql, { schema, casing: "snake_case" }) as unknown as Db;
    return {
      db,
      kind: "postgres",
      sql,
      migrate: () => migrateLocked(opts.url as string, sql),
      close: () => sql.end({ timeout: 5 }),
    };
  }
  if (opts.pgliteDir) mkdirSync(opts.pgliteDir, { recursive: true });
  const pglite = new PGlite(opts.pgliteDir, { extensions: { pg_trgm, btree_gin } });
  const db = drizzlePglite(pglite, { schema, casing: "snake_case" }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    pglite,
    migrate: () => migratePglite(drizzlePglite(pglite), { migrationsFolder }),
    close: () => pglite.close(),
  };
}

/** `db.execute` returns an array on postgres.js and `{ rows }` on PGlite; this gives rows on both. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown[] }).rows;
  return (rows ?? []) as T[];
}

/** Round trip to the database (readiness checks). */
export async function pingDb(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
