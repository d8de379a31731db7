import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { changeSetStatus } from "./enums";
import { users } from "./users";

export const changeSets = pgTable(
  "change_sets",
  {
    id: uuid().primaryKey().defaultRandom(),
    ownerId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** What produced it: bulk-upsert, bulk-delete, price-change, import, template-apply… */
    kind: text().notNull(),
    summary: text().notNull().default(""),
    status: changeSetStatus().notNull().default("applied"),
    rowCount: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    undoneAt: timestamp({ withTimezone: true }),
    redoneAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("change_sets_owner_created_idx").on(t.ownerId, t.createdAt.desc())],
);

/**
 * The rows of a change set, up to 5,000 per chunk, as parallel arrays: entry i of a chunk is
 * `listing_ids[i]`, `ops[i]`, `befores[i]`, `afters[i]`, `versions[i]`. One chunk row per 5,000
 * listings keeps a 100k-row bulk edit to 20 inserts instead of 100k (docs/adr/0001).
 *
 * `before` is null for a created listing and `after` null for a deleted one; an update keeps only
 * the fields it changed plus `version`. A created listing's `after` may be null too while it
 * stands as created: it is the listing itself (its version proves it), captured by undo.
 * `versions[i]` is the listing version the entry last produced (after apply, undo or redo), null
 * when that left the listing deleted; undo and redo refuse a row whose version moved on since.
 */
export const changeSetChunks = pgTable(
  "change_set_chunks",
  {
    changeSetId: uuid()
      .notNull()
      .references(() => changeSets.id, { onDelete: "cascade" }),
    seq: integer().notNull(),
    listingIds: uuid().array().notNull(),
    ops: text().array().notNull().$type<("create" | "update" | "delete")[]>(),
    befores: jsonb().array().notNull().$type<(Record<string, unknown> | null)[]>(),
    afters: jsonb().array().notNull().$type<(Record<string, unknown> | null)[]>(),
    versions: integer().array().notNull().$type<(number | null)[]>(),
  },
  (t) => [primaryKey({ columns: [t.changeSetId, t.seq] })],
);

export type ChangeSet = typeof changeSets.$inferSelect;
