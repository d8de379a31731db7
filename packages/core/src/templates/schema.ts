import { z } from "zod";
import { UpdateListingInput } from "../listings/schema";

/** Field values a template sets; the same bounds as a listing edit (no version). */
export const TemplateFields = UpdateListingInput.omit({ version: true }).strict();

export const CreateTemplateInput = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(1000).default(""),
  fields: TemplateFields,
  isPublic: z.boolean().default(false),
});
export type CreateTemplateInput = z.input<typeof CreateTemplateInput>;

/** Only the fields sent change: written out, as `.partial()` would still fill in the defaults. */
export const UpdateTemplateInput = z
  .object({
    name: CreateTemplateInput.shape.name,
    description: z.string().max(1000),
    fields: TemplateFields,
    isPublic: z.boolean(),
  })
  .partial();
export type UpdateTemplateInput = z.input<typeof UpdateTemplateInput>;

export const ApplyTemplateInput = z.object({ listingIds: z.array(z.uuid()).min(1).max(10_000) });
export type ApplyTemplateInput = z.input<typeof ApplyTemplateInput>;
