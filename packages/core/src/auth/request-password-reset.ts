import { randomBytes } from "node:crypto";
import { passwordResetTokens, users } from "@mbe/db";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { recordAuditDetached } from "../audit/record";
import { type CoreContext, inTx } from "../context";
import type { MailMessage } from "../mail/mailer";
import { sha256 } from "./tokens";

export const RequestPasswordResetInput = z.object({
  email: z.string().trim().min(1).max(254),
});
export type RequestPasswordResetInput = z.infer<typeof RequestPasswordResetInput>;

/** How long an emailed reset link works. */
export const PASSWORD_RESET_TTL_MINUTES = 30;
/** A second request within this window sends nothing, so the form cannot flood an inbox. */
export const PASSWORD_RESET_RESEND_SECONDS = 60;

/** The console page that reads `?token=`. */
export function passwordResetLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/reset-password?token=${encodeURIComponent(token)}`;
}

function resetMessage(to: string, link: string): MailMessage {
  const text = [
    "Someone, hopefully you, asked to reset the password of your Bulk Editor account.",
    "",
    `Choose a new password here (the link works once, for ${PASSWORD_RESET_TTL_MINUTES} minutes):`,
    link,
    "",
    "If you did not ask for this, ignore this email: your password stays as it is.",
  ].join("\n");
  const href = link.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  const html = `<p>Someone, hopefully you, asked to reset the password of your Bulk Editor account.</p><p><a href="${href}">Choose a new password</a> (the link works once, for ${PASSWORD_RESET_TTL_MINUTES} minutes).</p><p>If you did not ask for this, ignore this email: your password stays as it is.</p>`;
  return { to, subject: "Reset your Bulk Editor password", text, html };
}

/**
 * Starts a password reset: for an active account, stores the hash of a single-use token and
 * emails the link. The answer is the same whether or not the email has an account, and the mail
 * is sent after the answer, so neither the body nor the timing tells them apart.
 */
export async function requestPasswordReset(
  ctx: CoreContext,
  input: RequestPasswordResetInput,
  opts: { publicUrl: string },
): Promise<{ ok: true }> {
  // Made for every request so a known email costs the same work as an unknown one.
  const token = randomBytes(32).toString("base64url");
  const tokenHash = sha256(token);
  const [user] = await ctx.db
    .select({ id: users.id, email: users.email, active: users.active })
    .from(users)
    .where(sql`lower(${users.email}) = lower(${input.email})`)
    .limit(1);
  const refused = (reason: string) =>
    recordAuditDetached(ctx, {
      action: "auth.password_reset_request",
      outcome: "failure",
      ownerId: user?.id ?? null,
      actorId: user?.id ?? null,
      ...(user ? { resourceType: "user", resourceId: user.id } : {}),
      details: { reason },
    });
  if (!user?.active) {
    await refused(!user ? "unknown_email" : "disabled");
    return { ok: true };
  }
  // A link sent within the last minute is looked for under the account's row lock: parallel
  // requests would otherwise each see none and each send one.
  const stored = await inTx(ctx, async (tx) => {
    await tx.db.execute(sql`select 1 from ${users} where ${users.id} = ${user.id} for update`);
    const [recent] = await tx.db
      .select({ id: passwordResetTokens.id })
      .from(passwordResetTokens)
      .where(
        and(
          eq(passwordResetTokens.userId, user.id),
          sql`${passwordResetTokens.createdAt} > now() - make_interval(secs => ${PASSWORD_RESET_RESEND_SECONDS})`,
        ),
      )
      .limit(1);
    if (recent) return false;
    await tx.db.insert(passwordResetTokens).values({
      userId: user.id,
      tokenHash,
      expiresAt: new Date(Date.now() + PASSWORD_RESET_TTL_MINUTES * 60_000),
      ip: ctx.ip,
    });
    return true;
  });
  if (!stored) {
    await refused("too_soon");
    return { ok: true };
  }
  await recordAuditDetached(ctx, {
    action: "auth.password_reset_request",
    ownerId: user.id,
    actorId: user.id,
    resourceType: "user",
    resourceId: user.id,
  });
  const message = resetMessage(user.email, passwordResetLink(opts.publicUrl, token));
  if (!ctx.mailer) {
    ctx.log.warn({ userId: user.id }, "password reset requested but no mailer is configured");
    return { ok: true };
  }
  const log = ctx.log;
  void ctx.mailer.send(message).catch((err: unknown) => {
    log.error({ err: String(err), userId: user.id }, "password reset email could not be sent");
  });
  return { ok: true };
}
