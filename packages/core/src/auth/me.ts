import { users } from "@mbe/db";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";
import { boundedJson } from "../json-bounds";
import { userView } from "./user-view";

/** The signed-in account. */
export async function getMe(ctx: CoreContext) {
  const actor = requireActor(ctx);
  const [user] = await ctx.db.select().from(users).where(eq(users.id, actor.userId));
  if (!user) throw notFound("User");
  return userView(user);
}

export const UpdateMeInput = z
  .object({
    firstName: z.string().trim().max(100).optional(),
    lastName: z.string().trim().max(100).optional(),
    /** Console preferences (column layout, theme); at most 64 KiB of JSON. */
    preferences: z
      .record(z.string(), z.unknown())
      .superRefine(boundedJson("Preferences", 65_536))
      .optional(),
  })
  .strict();
export type UpdateMeInput = z.infer<typeof UpdateMeInput>;

/** Updates the signed-in account's names and console preferences. */
export async function updateMe(ctx: CoreContext, input: UpdateMeInput) {
  const actor = requireActor(ctx, "write");
  const [user] = await ctx.db
    .update(users)
    .set({
      ...(input.firstName !== undefined ? { firstName: input.firstName } : {}),
      ...(input.lastName !== undefined ? { lastName: input.lastName } : {}),
      ...(input.preferences !== undefined
        ? { preferences: JSON.stringify(input.preferences) }
        : {}),
      updatedAt: new Date(),
    })
    .where(eq(users.id, actor.userId))
    .returning();
  if (!user) throw notFound("User");
  await recordAudit(ctx, {
    action: "user.update",
    resourceType: "user",
    resourceId: user.id,
    details: { fields: Object.keys(input) },
  });
  return userView(user);
}
