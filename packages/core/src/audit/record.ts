import { auditLogs, type DbOrTx } from "@mbe/db";
import type { CoreContext } from "../context";

export interface AuditEntry {
  action: string;
  ownerId?: string | null;
  resourceType?: string;
  resourceId?: string;
  outcome?: "success" | "failure";
  details?: Record<string, unknown>;
  /** For events before anyone is signed in (login), the user the event concerns. */
  actorId?: string | null;
}

/** Appends one audit record; inside a transaction it lands or rolls back with the change. */
export async function recordAudit(
  ctx: CoreContext,
  entry: AuditEntry,
  db: DbOrTx = ctx.db,
): Promise<void> {
  const actor = ctx.actor;
  await db.insert(auditLogs).values({
    ownerId: entry.ownerId === undefined ? (actor?.userId ?? null) : entry.ownerId,
    actorId: entry.actorId === undefined ? (actor?.userId ?? null) : entry.actorId,
    actorType: actor
      ? actor.via === "api_key"
        ? "api_key"
        : "user"
      : entry.actorId
        ? "user"
        : "anonymous",
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    ip: ctx.ip,
    userAgent: ctx.userAgent?.slice(0, 500),
    requestId: ctx.requestId,
    outcome: entry.outcome ?? "success",
    details: { ...(entry.details ?? {}), ...(actor?.apiKeyId ? { apiKeyId: actor.apiKeyId } : {}) },
  });
}

/** Records an audit event outside any transaction (failures that roll the main work back). */
export async function recordAuditDetached(ctx: CoreContext, entry: AuditEntry): Promise<void> {
  try {
    await recordAudit(ctx, entry, ctx.rootDb);
  } catch (err) {
    ctx.log.error({ err: String(err), action: entry.action }, "audit write failed");
  }
}
