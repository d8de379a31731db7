import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
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
 * One row of a change set. `before` is null for a created listing, `after` null for a deleted one;
 * an update keeps only the fields it changed plus `version`, so large batches stay small.
 */
export const changeSetEntries = pgTable(
  "change_set_entries",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    changeSetId: uuid()
      .notNull()
      .references(() => changeSets.id, { onDelete: "cascade" }),
    listingId: uuid().notNull(),
    op: text().$type<"create" | "update" | "delete">().notNull(),
    before: jsonb().$type<Record<string, unknown> | null>(),
    after: jsonb().$type<Record<string, unknown> | null>(),
    /**
     * The listing version this entry last produced (after apply, undo or redo); null when that left
     * the listing deleted. Undo and redo refuse a row whose version moved on since.
     */
    currentVersion: integer(),
  },
  (t) => [index("change_set_entries_set_idx").on(t.changeSetId)],
);

export type ChangeSet = typeof changeSets.$inferSelect;
export type ChangeSetEntry = typeof changeSetEntries.$inferSelect;
