import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { changeSets } from "./change-sets";
import { importStatus } from "./enums";
import { users } from "./users";

/** File history of every import: what came in, how it was read, and what it did. */
export const imports = pgTable(
  "imports",
  {
    id: uuid().primaryKey().defaultRandom(),
    ownerId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    fileName: text().notNull(),
    fileSize: bigint({ mode: "number" }).notNull(),
    sha256: text().notNull(),
    storageKey: text().notNull(),
    format: text().notNull(),
    marketplace: text(),
    mapping: jsonb().$type<Record<string, string>>().notNull().default({}),
    mode: text().$type<"create" | "update" | "upsert">().notNull().default("create"),
    matchBy: text().$type<"id" | "sku">().notNull().default("sku"),
    status: importStatus().notNull().default("uploaded"),
    counts: jsonb().$type<Record<string, number>>().notNull().default({}),
    /** First problems found by the dry run (the full list is re-derived for errors.csv). */
    problems: jsonb().$type<unknown[]>().notNull().default([]),
    idempotencyKey: text(),
    commitIdempotencyKey: text(),
    changeSetId: uuid().references(() => changeSets.id, { onDelete: "set null" }),
    error: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("imports_owner_created_idx").on(t.ownerId, t.createdAt.desc()),
    uniqueIndex("imports_owner_idem_idx").on(t.ownerId, t.idempotencyKey),
  ],
);

/** A saved column mapping for generic files ("my supplier's sheet"). */
export const mappingProfiles = pgTable(
  "mapping_profiles",
  {
    id: uuid().primaryKey().defaultRandom(),
    ownerId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text().notNull(),
    mapping: jsonb().$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("mapping_profiles_owner_name_idx").on(t.ownerId, t.name)],
);

export type Import = typeof imports.$inferSelect;
export type MappingProfile = typeof mappingProfiles.$inferSelect;

/**
 * Scratch rows of an import being committed: COPY fills it, one transaction merges it into
 * listings, then the rows are deleted. `targetId` is the listing an update hits (null: create).
 * `run` is the number of the dry run or commit run that staged the row: a commit merges only the
 * rows of the run it stages with (or adopts from the dry run), never those of a run taken over.
 */
export const importStaging = pgTable(
  "import_staging",
  {
    importId: uuid().notNull(),
    rowNo: integer().notNull(),
    targetId: uuid(),
    newId: uuid(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
    run: bigint({ mode: "number" }).notNull().default(0),
  },
  // One staged row per file row and run: a run staging a row twice fails, while two runs of one
  // commit staging at once each keep their own rows.
  (t) => [uniqueIndex("import_staging_run_row_idx").on(t.importId, t.run, t.rowNo)],
);
