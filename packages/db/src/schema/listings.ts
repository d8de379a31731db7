import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { listingSource, listingStatus } from "./enums";
import { users } from "./users";

export const listings = pgTable(
  "listings",
  {
    id: uuid().primaryKey().defaultRandom(),
    ownerId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text().notNull(),
    price: numeric({ precision: 12, scale: 2 }).notNull(),
    currency: text().notNull().default("USD"),
    condition: text(),
    description: text().notNull().default(""),
    category: text(),
    offerShipping: boolean().notNull().default(false),
    sku: text(),
    quantity: integer().notNull().default(1),
    imageUrls: text().array().notNull().default([]),
    marketplaceFields: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    status: listingStatus().notNull().default("draft"),
    source: listingSource().notNull().default("manual"),
    /** Import id, OCR scan id or API key id the listing came from. */
    sourceRef: text(),
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("listings_owner_updated_idx").on(t.ownerId, t.updatedAt.desc(), t.id),
    index("listings_owner_created_idx").on(t.ownerId, t.createdAt, t.id),
    index("listings_owner_price_idx").on(t.ownerId, t.price, t.id),
    index("listings_owner_title_idx").on(t.ownerId, t.title, t.id),
    index("listings_owner_status_idx").on(t.ownerId, t.status),
    index("listings_owner_category_idx").on(t.ownerId, t.category),
    index("listings_owner_condition_idx").on(t.ownerId, t.condition),
    uniqueIndex("listings_owner_sku_idx").on(t.ownerId, t.sku).where(sql`${t.sku} is not null`),
  ],
);

export type Listing = typeof listings.$inferSelect;
export type NewListing = typeof listings.$inferInsert;
