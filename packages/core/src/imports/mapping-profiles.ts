import { mappingProfiles } from "@mbe/db";
import { CANONICAL_FIELDS } from "@mbe/formats";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { isUniqueViolation } from "../listings/unique";

export const CreateMappingProfileInput = z.object({
  name: z.string().trim().min(1).max(100),
  mapping: z
    .record(z.string().max(200), z.enum([...CANONICAL_FIELDS, "ignore"]))
    .refine((m) => Object.keys(m).length <= 500, "At most 500 columns"),
});
export type CreateMappingProfileInput = z.input<typeof CreateMappingProfileInput>;

const view = (p: typeof mappingProfiles.$inferSelect) => ({
  id: p.id,
  name: p.name,
  mapping: p.mapping,
  createdAt: p.createdAt.toISOString(),
});

/** Saved column mappings ("my supplier's sheet"). */
export async function listMappingProfiles(ctx: CoreContext) {
  const actor = requireActor(ctx, "read");
  const rows = await ctx.db
    .select()
    .from(mappingProfiles)
    .where(eq(mappingProfiles.ownerId, actor.userId))
    .orderBy(asc(mappingProfiles.name));
  return { items: rows.map(view) };
}

/** Saves a mapping under a name. */
export async function createMappingProfile(ctx: CoreContext, raw: CreateMappingProfileInput) {
  const input = CreateMappingProfileInput.parse(raw);
  const actor = requireActor(ctx, "write");
  try {
    return await inTx(ctx, async (tx) => {
      const [p] = await tx.db
        .insert(mappingProfiles)
        .values({ ownerId: actor.userId, name: input.name, mapping: input.mapping })
        .returning();
      if (!p) throw new CoreError("INTERNAL", "Profile not saved");
      await recordAudit(tx, {
        action: "mapping_profile.create",
        resourceType: "mapping_profile",
        resourceId: p.id,
        details: { name: p.name, columns: Object.keys(input.mapping).length },
      });
      return view(p);
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new CoreError("CONFLICT", "A mapping profile with this name exists");
    throw err;
  }
}

/** Deletes a saved mapping. */
export async function deleteMappingProfile(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx, "write");
  if (!z.uuid().safeParse(id).success) throw notFound("Mapping profile");
  return inTx(ctx, async (tx) => {
    const [p] = await tx.db
      .delete(mappingProfiles)
      .where(and(eq(mappingProfiles.id, id), eq(mappingProfiles.ownerId, actor.userId)))
      .returning({ id: mappingProfiles.id, name: mappingProfiles.name });
    if (!p) throw notFound("Mapping profile");
    await recordAudit(tx, {
      action: "mapping_profile.delete",
      resourceType: "mapping_profile",
      resourceId: p.id,
      details: { name: p.name },
    });
    return { ok: true as const };
  });
}
