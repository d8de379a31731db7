import { templates } from "@mbe/db";
import { and, desc, eq, or } from "drizzle-orm";
import { recordAudit } from "../audit/record";
import { type CoreContext, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { isUuid } from "../ids";
import { isUniqueViolation } from "../listings/unique";
import { CreateTemplateInput, UpdateTemplateInput } from "./schema";
import { templateView } from "./view";

/** The caller's templates plus every public one. */
export async function listTemplates(ctx: CoreContext) {
  const actor = requireActor(ctx, "read");
  const rows = await ctx.db
    .select()
    .from(templates)
    .where(or(eq(templates.ownerId, actor.userId), eq(templates.isPublic, true)))
    .orderBy(desc(templates.useCount), desc(templates.createdAt))
    .limit(500);
  return { items: rows.map((t) => templateView(t, actor.userId)) };
}

/** A template the caller owns or that is public. */
export async function getTemplate(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx, "read");
  if (!isUuid(id)) throw notFound("Template");
  const [t] = await ctx.db
    .select()
    .from(templates)
    .where(
      and(
        eq(templates.id, id),
        or(eq(templates.ownerId, actor.userId), eq(templates.isPublic, true)),
      ),
    );
  if (!t) throw notFound("Template");
  return templateView(t, actor.userId);
}

/** Saves a new template. */
export async function createTemplate(ctx: CoreContext, raw: CreateTemplateInput) {
  const input = CreateTemplateInput.parse(raw);
  const actor = requireActor(ctx, "write");
  const [t] = await ctx.db
    .insert(templates)
    .values({ ...input, ownerId: actor.userId })
    .returning();
  if (!t) throw new CoreError("INTERNAL", "Template not created");
  await recordAudit(ctx, { action: "template.create", resourceType: "template", resourceId: t.id });
  return templateView(t, actor.userId);
}

/** Edits one of the caller's own templates (public ones of others are read-only). */
export async function updateTemplate(ctx: CoreContext, id: string, raw: UpdateTemplateInput) {
  const input = UpdateTemplateInput.parse(raw);
  const actor = requireActor(ctx, "write");
  if (!isUuid(id)) throw notFound("Template");
  try {
    const [t] = await ctx.db
      .update(templates)
      .set({ ...input, updatedAt: new Date() })
      .where(and(eq(templates.id, id), eq(templates.ownerId, actor.userId)))
      .returning();
    if (!t) throw notFound("Template");
    await recordAudit(ctx, {
      action: "template.update",
      resourceType: "template",
      resourceId: t.id,
    });
    return templateView(t, actor.userId);
  } catch (err) {
    if (isUniqueViolation(err)) throw new CoreError("CONFLICT", "A template with this name exists");
    throw err;
  }
}

/** Deletes one of the caller's own templates. */
export async function deleteTemplate(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx, "write");
  if (!isUuid(id)) throw notFound("Template");
  const [t] = await ctx.db
    .delete(templates)
    .where(and(eq(templates.id, id), eq(templates.ownerId, actor.userId)))
    .returning({ id: templates.id });
  if (!t) throw notFound("Template");
  await recordAudit(ctx, { action: "template.delete", resourceType: "template", resourceId: id });
  return { ok: true as const };
}
