import { z } from "@hono/zod-openapi";

/** Response bodies documented in the OpenAPI document. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "NOT_FOUND" }),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

export const FieldWarning = z
  .object({ field: z.string(), code: z.string(), message: z.string() })
  .openapi("FieldWarning");

export const Listing = z
  .object({
    id: z.uuid(),
    title: z.string(),
    price: z.number(),
    currency: z.string(),
    condition: z.string().nullable(),
    description: z.string(),
    category: z.string().nullable(),
    offerShipping: z.boolean(),
    sku: z.string().nullable(),
    quantity: z.number().int(),
    imageUrls: z.array(z.string()),
    marketplaceFields: z.record(z.string(), z.unknown()),
    status: z.enum(["draft", "active", "archived"]),
    source: z.enum(["manual", "import", "ocr", "api"]),
    sourceRef: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    warnings: z.array(FieldWarning).optional(),
  })
  .openapi("Listing");

export const ListingWithChangeSet = Listing.extend({ changeSetId: z.uuid().nullable() }).openapi(
  "ListingWithChangeSet",
);

export const ListingPage = z
  .object({
    items: z.array(Listing),
    nextCursor: z.string().nullable(),
    total: z.number().int().optional(),
  })
  .openapi("ListingPage");

/** A page of a collection: pass `nextCursor` back as `cursor` for the next one (null: the last). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` for the next page; null on the last page." }),
  });
}

export const RowResult = z.object({
  index: z.number().int(),
  status: z.enum(["created", "updated", "unchanged", "error"]),
  id: z.string().optional(),
  version: z.number().int().optional(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    })
    .optional(),
  warnings: z.array(FieldWarning).optional(),
});

export const BulkUpsertResult = z
  .object({
    changeSetId: z.uuid().nullable(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    failed: z.number().int(),
    results: z.array(RowResult),
  })
  .openapi("BulkUpsertResult");

export const BulkDeleteResult = z
  .object({
    deleted: z.number().int(),
    changeSetId: z.uuid().nullable(),
    errors: z.array(
      z.object({ index: z.number().int(), id: z.string(), code: z.string(), message: z.string() }),
    ),
  })
  .openapi("BulkDeleteResult");

export const User = z
  .object({
    id: z.uuid(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    role: z.enum(["seller", "admin"]),
    active: z.boolean(),
    lastLoginAt: z.string().nullable(),
    createdAt: z.string(),
    preferences: z.record(z.string(), z.unknown()),
  })
  .openapi("User");

export const TokenPair = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int(),
    refreshExpiresAt: z.string(),
  })
  .openapi("TokenPair");

export const Session = TokenPair.extend({ user: User }).openapi("Session");

export const ApiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("ApiKey");

export const ApiKeyWithSecret = ApiKey.extend({ secret: z.string() }).openapi("ApiKeyWithSecret");

export const Template = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    fields: z.record(z.string(), z.unknown()),
    isPublic: z.boolean(),
    useCount: z.number().int(),
    mine: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Template");

export const ChangeSet = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    summary: z.string(),
    status: z.enum(["applied", "undone"]),
    rowCount: z.number().int(),
    createdAt: z.string(),
    undoneAt: z.string().nullable(),
    redoneAt: z.string().nullable(),
  })
  .openapi("ChangeSet");

export const ChangeSetDetail = ChangeSet.extend({
  entries: z.array(
    z.object({
      id: z.number().int(),
      listingId: z.uuid(),
      op: z.enum(["create", "update", "delete"]),
      before: z.record(z.string(), z.unknown()).nullable(),
      after: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  nextEntriesCursor: z.number().int().nullable(),
}).openapi("ChangeSetDetail");

export const RevertResult = z
  .object({ id: z.uuid(), status: z.enum(["applied", "undone"]), rowCount: z.number().int() })
  .openapi("RevertResult");

export const AuditLog = z
  .object({
    id: z.number().int(),
    ownerId: z.string().nullable(),
    actorId: z.string().nullable(),
    actorType: z.string(),
    action: z.string(),
    resourceType: z.string().nullable(),
    resourceId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    outcome: z.enum(["success", "failure"]),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi("AuditLog");

export const Ok = z.object({ ok: z.literal(true) }).openapi("Ok");
export const IdParam = z.object({
  id: z
    .string()
    .max(100)
    .openapi({ param: { name: "id", in: "path" } }),
});
