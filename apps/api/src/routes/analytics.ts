import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { CatalogOverviewInput, catalogOverview } from "@mbe/core";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";
import { coreContext } from "../http/middleware";
import { authedErrors, json, security } from "../openapi/route";

const Count = z.object({ count: z.number().int() });
const PriceFigures = {
  inventoryValue: z.number().openapi({ description: "Sum of price × quantity" }),
  minPrice: z.number().nullable(),
  maxPrice: z.number().nullable(),
  avgPrice: z.number().nullable(),
};
const Overview = z
  .object({
    totals: z.object({
      listings: z.number().int(),
      currency: z.string().nullable().openapi({
        description:
          "The currency most listings are priced in (null without listings); the price figures here and the histogram are those of its listings",
      }),
      ...PriceFigures,
    }),
    byCurrency: z
      .array(z.object({ currency: z.string(), listings: z.number().int(), ...PriceFigures }))
      .openapi({ description: "Price figures per currency, most listings first" }),
    byStatus: z.array(Count.extend({ status: z.string() })),
    byCategory: z.array(Count.extend({ category: z.string() })),
    validity: z.array(
      z.object({ marketplace: z.string(), valid: z.number().int(), invalid: z.number().int() }),
    ),
    priceHistogram: z.array(Count.extend({ from: z.number(), to: z.number() })),
    changesOverTime: z.array(
      z.object({ day: z.string(), changeSets: z.number().int(), rows: z.number().int() }),
    ),
  })
  .openapi("CatalogOverview");

/** /v1/analytics: catalog charts computed in PostgreSQL over the caller's own listings. */
export function analyticsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/overview",
      tags: ["Analytics"],
      operationId: "getCatalogOverview",
      summary: "Get a catalog overview",
      description:
        "Listings by status, category, marketplace validity, price figures per currency, a price histogram and changes per day. Prices are never added up across currencies.",
      security,
      request: { query: CatalogOverviewInput },
      responses: { 200: json(Overview), ...authedErrors },
    }),
    async (c) => c.json(await catalogOverview(coreContext(c, deps), c.req.valid("query")), 200),
  );
  return app;
}
