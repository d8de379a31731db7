import type { Db, DbOrTx } from "@mbe/db";
import type { Queues } from "@mbe/jobs";
import { CoreError } from "./errors";
import type { Mailer } from "./mail/mailer";
import type { SearchPort } from "./search/port";
import type { Storage } from "./storage/storage";

export type Scope = "read" | "write";

/** Who is acting: a signed-in seller/admin (JWT) or an integration (API key). */
export interface Actor {
  userId: string;
  role: "seller" | "admin";
  via: "jwt" | "api_key";
  scopes: Scope[];
  apiKeyId?: string;
  /** Refresh-token family the access token belongs to. */
  sessionId?: string;
}

export interface Logger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** Side effects that happen after a write commits (search indexing, job enqueueing). */
export interface CoreHooks {
  /** `log` is the caller's (request or job) logger, so a hook's lines carry its id. */
  listingsChanged?(
    ownerId: string,
    change: { upsert: string[]; remove: string[] },
    log?: Logger,
  ): Promise<void>;
}

/** `hooks` with `log` passed to every call; transports build one per request or job. */
export function hooksLoggingTo(hooks: CoreHooks, log: Logger): CoreHooks {
  const changed = hooks.listingsChanged;
  if (!changed) return hooks;
  return {
    ...hooks,
    listingsChanged: (ownerId, change) => changed.call(hooks, ownerId, change, log),
  };
}

export interface AuthConfig {
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  bcryptCost: number;
  maxFailedLogins: number;
  lockMinutes: number;
}

/** Everything a verb needs; built per request (or per job) by a transport. */
export interface CoreContext {
  db: DbOrTx;
  /** The root database (never a transaction), for work that must outlive a rolled-back tx. */
  rootDb: Db;
  actor: Actor | null;
  requestId: string;
  ip?: string;
  userAgent?: string;
  log: Logger;
  auth: AuthConfig;
  hooks: CoreHooks;
  /** Uploads, page images and export files. */
  storage: Storage;
  /** Background queues; absent where no Redis is configured (verbs needing them refuse). */
  queues?: Queues;
  /**
   * Streams rows into a table with COPY (PostgreSQL); absent on PGlite, where verbs fall back to
   * batched inserts. `lines` are COPY text-format lines without the newline.
   */
  copyInto?(table: string, columns: string[], lines: AsyncIterable<string>): Promise<void>;
  /** Streams a `COPY … TO STDOUT` (PostgreSQL); absent on PGlite, where exports read rows instead. */
  copyOut?(statement: string): Promise<AsyncIterable<Buffer>>;
  /** Semantic search and AI; absent when search is not configured (verbs answer 503). */
  search?: SearchPort;
  /** Outgoing email (password resets, export notices); absent where none is wired. */
  mailer?: Mailer;
}

export const defaultAuthConfig = (jwtSecret: string): AuthConfig => ({
  jwtSecret,
  jwtIssuer: "marketplace-bulk-editor",
  jwtAudience: "mbe-api",
  accessTtlSeconds: 15 * 60,
  refreshTtlSeconds: 30 * 24 * 3600,
  bcryptCost: 10,
  maxFailedLogins: 5,
  lockMinutes: 30,
});

/** Returns the actor or throws UNAUTHORIZED; with `scope`, also checks the API key's scopes. */
export function requireActor(ctx: CoreContext, scope?: Scope): Actor {
  if (!ctx.actor) throw new CoreError("UNAUTHORIZED", "Sign in or send an API key");
  if (scope && !ctx.actor.scopes.includes(scope))
    throw new CoreError("INSUFFICIENT_SCOPE", `This API key lacks the '${scope}' scope`);
  return ctx.actor;
}

/**
 * Returns an administrator actor or throws FORBIDDEN. Administrative changes pass `"write"`: an
 * admin's read-only API key (a monitoring script's) may look, not act.
 */
export function requireAdmin(ctx: CoreContext, scope?: Scope): Actor {
  const actor = requireActor(ctx, scope);
  if (actor.role !== "admin") throw new CoreError("FORBIDDEN", "Administrators only");
  return actor;
}

/** Runs `fn` in a transaction, nesting as a savepoint when `ctx.db` is already one. */
export async function inTx<T>(
  ctx: CoreContext,
  fn: (txCtx: CoreContext) => Promise<T>,
): Promise<T> {
  return ctx.db.transaction((tx) => fn({ ...ctx, db: tx }));
}
