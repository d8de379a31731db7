import type { CoreContext } from "../context";
import { notFound } from "../errors";
import { bulkDeleteListings } from "./bulk-delete";

/** Deletes one listing (undoable through its change set). */
export async function deleteListing(ctx: CoreContext, id: string) {
  const result = await bulkDeleteListings(ctx, { ids: [id] });
  if (result.deleted === 0) throw notFound("Listing");
  return { ok: true as const, changeSetId: result.changeSetId };
}
