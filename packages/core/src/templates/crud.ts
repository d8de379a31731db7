import { templates } from "@mbe/db";
import { and, eq, getTableColumns, or } from "drizzle-orm";
import type { z } from "zod";
import { recordAudit } from "../audit/record";
import { type CoreContext, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { isUuid } from "../ids";
import { isUniqueViolation } from "../listings/unique";
import { descendingPage, pageInput } from "../paging";
import { CreateTemplateInput, UpdateTemplateInput } from "./schema";
import { templateView } from "./view";

export const ListTemplatesInput = pageInput(500, 500);

/** The caller's templates plus every public one, most used first, a page at a time. */
export async function listTemplates(
  ctx: CoreContext,
  raw: z.input<typeof ListTemplatesInput> = {},
) {
  const input = ListTemplatesInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const paging = descendingPage(
    [
      { col: templates.useCount, kind: "int" },
      { col: templates.createdAt, kind: "timestamp" },
    ],
    templates.id,
    input.cursor,
  );
  const rows = await ctx.db
    .select({ ...getTableColumns(templates), pageKey: paging.keyText })
    .from(templates)
    .where(and(or(eq(templates.ownerId, actor.userId), eq(templates.isPublic, true)), paging.after))
    .orderBy(...paging.orderBy)
    .limit(input.limit + 1);
  const { items, nextCursor } = paging.page(rows, input.limit);
  return { items: items.map((t) => templateView(t, actor.userId)), nextCursor };
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
