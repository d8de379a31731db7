import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { ocrStatus } from "./enums";
import { users } from "./users";

export const ocrScans = pgTable(
  "ocr_scans",
  {
    id: uuid().primaryKey().defaultRandom(),
    ownerId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    fileName: text().notNull(),
    mimeType: text().notNull(),
    size: bigint({ mode: "number" }).notNull(),
    storageKey: text().notNull(),
    pageCount: integer(),
    status: ocrStatus().notNull().default("pending"),
    engine: text().notNull().default("tesseract"),
    /** [{ page, text, confidence, source: "text-layer" | "ocr", imageKey }] */
    pages: jsonb().$type<unknown[]>().notNull().default([]),
    /** Listing candidates with per-field confidence and page/box. */
    items: jsonb().$type<unknown[]>().notNull().default([]),
    processingMs: integer(),
    error: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("ocr_scans_owner_created_idx").on(t.ownerId, t.createdAt.desc())],
);

export type OcrScan = typeof ocrScans.$inferSelect;
