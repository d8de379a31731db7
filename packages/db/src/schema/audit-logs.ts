import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { auditOutcome } from "./enums";

export const auditLogs = pgTable(
  "audit_logs",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    /** The seller whose data it concerns; null for anonymous events such as an unknown email. */
    ownerId: uuid(),
    actorId: uuid(),
    actorType: text().$type<"user" | "api_key" | "system" | "anonymous">().notNull(),
    action: text().notNull(),
    resourceType: text(),
    resourceId: text(),
    ip: text(),
    userAgent: text(),
    requestId: text(),
    outcome: auditOutcome().notNull().default("success"),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("audit_logs_owner_created_idx").on(t.ownerId, t.createdAt.desc()),
    index("audit_logs_created_idx").on(t.createdAt.desc()),
  ],
);

export type AuditLog = typeof auditLogs.$inferSelect;
export type NewAuditLog = typeof auditLogs.$inferInsert;
