import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { exportStatus } from "./enums";
import { users } from "./users";

export const exportJobs = pgTable(
  "export_jobs",
  {
    id: uuid().primaryKey().defaultRandom(),
    ownerId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    format: text().notNull(),
    marketplace: text(),
    selection: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    status: exportStatus().notNull().default("pending"),
    fileName: text(),
    storageKey: text(),
    size: bigint({ mode: "number" }),
    rowCount: integer(),
    error: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("export_jobs_owner_created_idx").on(t.ownerId, t.createdAt.desc())],
);

export type ExportJob = typeof exportJobs.$inferSelect;
