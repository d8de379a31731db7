import { templates } from "@mbe/db";
import { eq, sql } from "drizzle-orm";
import type { CoreContext } from "../context";
import { bulkUpsertListings } from "../listings/bulk-upsert";
import { getTemplate } from "./crud";
import { ApplyTemplateInput } from "./schema";

/** Applies a template's field values to the caller's listings as one change set. */
export async function applyTemplate(ctx: CoreContext, id: string, raw: ApplyTemplateInput) {
  const input = ApplyTemplateInput.parse(raw);
  const template = await getTemplate(ctx, id);
  const result = await bulkUpsertListings(ctx, {
    rows: input.listingIds.map((listingId) => ({ ...template.fields, id: listingId })),
    matchBy: "id",
    kind: "template-apply",
    summary: `Applied template "${template.name}" to ${input.listingIds.length} listing(s)`,
  });
  // Use count is informational, so it is bumped after the change set commits.
  if (result.changeSetId)
    await ctx.db
      .update(templates)
      .set({ useCount: sql`${templates.useCount} + 1` })
      .where(eq(templates.id, template.id));
  return result;
}
