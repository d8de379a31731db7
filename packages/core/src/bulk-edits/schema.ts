import { z } from "zod";
import { ListingFilter } from "../listings/schema";

export const TEXT_FIELDS = ["title", "description", "category", "condition", "sku"] as const;
export const SETTABLE_FIELDS = [
  "title",
  "price",
  "currency",
  "condition",
  "description",
  "category",
  "offerShipping",
  "sku",
  "quantity",
  "imageUrls",
  "status",
] as const;

/** Which listings a bulk edit touches: explicit ids, or everything matching a filter. */
export const Selection = z.union([
  z.object({ ids: z.array(z.uuid()).min(1).max(100_000) }).strict(),
  z.object({ filter: ListingFilter }).strict(),
]);
export type Selection = z.infer<typeof Selection>;

/** A percent cut must stay above this: a cut of 100 % or more leaves nothing of any price. */
export const PERCENT_CUT_LIMIT = -100;
export const PERCENT_CUT_REFUSED = "A cut of 100 % or more would leave every price at 0";

export const BulkOperation = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("findReplace"),
    field: z.enum([...TEXT_FIELDS, "all"]),
    find: z.string().min(1).max(500),
    replace: z.string().max(5000),
    regex: z.boolean().default(false),
    caseSensitive: z.boolean().default(false),
  }),
  z
    .object({
      kind: z.literal("priceChange"),
      mode: z.enum(["percent", "amount"]),
      value: z.number().min(-100_000_000).max(100_000_000),
      rounding: z.enum(["none", "nearest", "up", "down", "99"]).default("none"),
      /**
       * No change takes a price below this: a cut stops at it (a price already below it is kept),
       * and a rise or a rounding lifts a price below it up to it.
       */
      floor: z.number().min(0).max(1e9).optional(),
    })
    // Every price would end at 0 (or below): almost certainly a mistyped amount, not a sale.
    .refine((op) => op.mode !== "percent" || op.value > PERCENT_CUT_LIMIT, {
      path: ["value"],
      message: PERCENT_CUT_REFUSED,
    }),
  z.object({ kind: z.literal("setField"), field: z.enum(SETTABLE_FIELDS), value: z.unknown() }),
  z.object({ kind: z.literal("applyTemplate"), templateId: z.uuid() }),
  z.object({ kind: z.literal("duplicate") }),
  z.object({ kind: z.literal("delete") }),
]);
export type BulkOperation = z.infer<typeof BulkOperation>;

export const BulkEditInput = z.object({ selection: Selection, operation: BulkOperation });
export type BulkEditInput = z.input<typeof BulkEditInput>;
