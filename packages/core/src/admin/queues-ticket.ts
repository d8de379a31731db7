import { randomBytes } from "node:crypto";
import { refreshTokens, users } from "@mbe/db";
import { eq, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record";
import { type CoreContext, requireAdmin } from "../context";
import { queuesOf } from "../enqueue";
import { CoreError } from "../errors";

/** A ticket is good for one redemption within this many seconds. */
export const QUEUES_TICKET_TTL_SECONDS = 60;

const TICKET = /^[A-Za-z0-9_-]{43}$/;

/** The two commands tickets need, on the queues' own Redis connection (an ioredis client). */
interface TicketRedis {
  set(key: string, value: string, mode: "EX", seconds: number): Promise<unknown>;
  getdel(key: string): Promise<string | null>;
}

const unavailable = () =>
  new CoreError("SERVICE_UNAVAILABLE", "The queues dashboard is unavailable; try again shortly", {
    retryAfterSeconds: 5,
  });

/** Ticket storage in Redis; 503 (not a server error) while Redis cannot answer. */
async function ticketStore(ctx: CoreContext) {
  const q = queuesOf(ctx).imports;
  const fail = () => {
    throw unavailable();
  };
  const redis = (await q.getBackend().client.catch(fail)) as unknown as TicketRedis;
  return {
    set: (key: string, value: string, seconds: number) =>
      redis.set(key, value, "EX", seconds).catch(fail),
    getdel: (key: string) => redis.getdel(key).catch(fail),
    key: (t: string) => `${q.opts.prefix}:queues-ticket:${t}`,
  };
}

/**
 * A one-time ticket that lets an administrator's browser open the queues dashboard: the console
 * signs in with bearer tokens a page navigation cannot send, so it trades one for a ticket here
 * and navigates with it. Signed-in administrators only (not API keys); audited.
 */
export async function issueQueuesTicket(ctx: CoreContext) {
  const actor = requireAdmin(ctx);
  if (actor.via !== "jwt")
    throw new CoreError("FORBIDDEN", "The queues dashboard needs a signed-in administrator");
  const store = await ticketStore(ctx);
  const ticket = randomBytes(32).toString("base64url");
  // The session (refresh-token family) the ticket came from: signing it out ends the dashboard too.
  await store.set(
    store.key(ticket),
    `${actor.userId}:${actor.sessionId ?? ""}`,
    QUEUES_TICKET_TTL_SECONDS,
  );
  await recordAudit(ctx, { action: "admin.queues_dashboard_ticket", resourceType: "queues" });
  return { ticket, expiresInSeconds: QUEUES_TICKET_TTL_SECONDS };
}

/**
 * Redeems a ticket once: the administrator's id and the session it was issued from, or null when
 * unknown, used or expired.
 */
export async function redeemQueuesTicket(
  ctx: CoreContext,
  ticket: string,
): Promise<{ userId: string; sessionId: string } | null> {
  if (!TICKET.test(ticket)) return null;
  const store = await ticketStore(ctx);
  const held = await store.getdel(store.key(ticket));
  const [userId, sessionId] = held?.split(":") ?? [];
  return userId && sessionId ? { userId, sessionId } : null;
}

/**
 * Whether a dashboard session still stands: its holder is still an active administrator and the
 * console session it came from is still signed in (sign-out, a password change and deactivation
 * all revoke it).
 */
export async function queuesSessionStands(
  ctx: CoreContext,
  userId: string,
  sessionId: string,
): Promise<boolean> {
  const [u] = await ctx.db
    .select({
      role: users.role,
      active: users.active,
      live: sql<boolean>`exists (select 1 from ${refreshTokens} where ${refreshTokens.familyId} = ${sessionId} and ${refreshTokens.userId} = ${userId} and ${refreshTokens.revokedAt} is null)`,
    })
    .from(users)
    .where(eq(users.id, userId));
  return !!u && u.active && u.role === "admin" && u.live === true;
}
