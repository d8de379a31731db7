import { exportJobs, users } from "@mbe/db";
import { and, eq } from "drizzle-orm";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";
import { signDownload } from "./run";

/** Emailed links outlive the console's 15-minute ones: mail is often read hours later. */
export const EXPORT_EMAIL_LINK_TTL_SECONDS = 24 * 3600;

/**
 * Emails the owner of a finished background export a signed download link. Returns whether a
 * message went out (no mailer, or an export that is not completed, sends nothing).
 */
export async function sendExportReadyEmail(
  ctx: CoreContext,
  exportId: string,
  opts: { publicUrl: string; linkTtlSeconds?: number },
): Promise<boolean> {
  const actor = requireActor(ctx, "read");
  const [row] = await ctx.db
    .select({
      status: exportJobs.status,
      fileName: exportJobs.fileName,
      rowCount: exportJobs.rowCount,
      email: users.email,
    })
    .from(exportJobs)
    .innerJoin(users, eq(users.id, exportJobs.ownerId))
    .where(and(eq(exportJobs.id, exportId), eq(exportJobs.ownerId, actor.userId)));
  if (!row) throw notFound("Export");
  if (row.status !== "completed" || !ctx.mailer) return false;
  const ttl = opts.linkTtlSeconds ?? EXPORT_EMAIL_LINK_TTL_SECONDS;
  const link = `${opts.publicUrl.replace(/\/+$/, "")}${signDownload(ctx, exportId, ttl)}`;
  const hours = Math.round(ttl / 3600);
  const rows = row.rowCount ?? 0;
  const what = `${row.fileName ?? "your export"} (${rows} listing${rows === 1 ? "" : "s"})`;
  const text = [
    `Your export ${what} is ready.`,
    "",
    `Download it here (the link works for ${hours} hours):`,
    link,
    "",
    "After that, open Jobs in the console for a fresh link.",
  ].join("\n");
  await ctx.mailer.send({ to: row.email, subject: "Your export is ready", text });
  return true;
}
