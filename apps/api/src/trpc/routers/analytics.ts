import * as core from "@mbe/core";
import { authedProcedure, router } from "../init";

/** Catalog charts for the console's overview screen (the caller's own listings only). */
export const analyticsRouter = router({
  overview: authedProcedure
    .input(core.CatalogOverviewInput)
    .query(({ ctx, input }) => core.catalogOverview(ctx.core, input)),
});
