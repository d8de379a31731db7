import type { Listing, NewListing } from "@mbe/db";

/** The fields a seller edits; change sets record and restore exactly these. */
export const EDITABLE_FIELDS = [
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
  "marketplaceFields",
  "status",
] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];
export type Snapshot = Record<string, unknown>;

/** Normalises a price to the numeric(12,2) text PostgreSQL stores. */
export function priceText(v: string | number): string {
  return Number(v).toFixed(2);
}

/** A full JSON snapshot of a listing row (enough to re-create it with the same id). */
export function fullSnapshot(row: Listing): Snapshot {
  return {
    id: row.id,
    title: row.title,
    price: priceText(row.price),
    currency: row.currency,
    condition: row.condition,
    description: row.description,
    category: row.category,
    offerShipping: row.offerShipping,
    sku: row.sku,
    quantity: row.quantity,
    imageUrls: row.imageUrls,
    marketplaceFields: row.marketplaceFields,
    status: row.status,
    source: row.source,
    sourceRef: row.sourceRef,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
  };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Splits an edit into the before/after values of the fields that really change. */
export function diffFields(
  row: Partial<Pick<Listing, EditableField>>,
  patch: Partial<Record<EditableField, unknown>>,
) {
  const before: Snapshot = {};
  const after: Snapshot = {};
  for (const f of EDITABLE_FIELDS) {
    if (!(f in patch) || patch[f] === undefined) continue;
    // The row needs only the fields the patch names (bulk edits load no others).
    const current = f === "price" ? priceText(row.price as string) : row[f];
    const next = f === "price" ? priceText(patch[f] as string) : patch[f];
    if (!same(current, next)) {
      before[f] = current;
      after[f] = next;
    }
  }
  return { before, after, changed: Object.keys(after).length > 0 };
}

/** Column values to write for the editable fields present in a snapshot. */
export function columnsFromSnapshot(s: Snapshot): Partial<NewListing> {
  const out: Partial<NewListing> = {};
  for (const f of EDITABLE_FIELDS) {
    if (!(f in s)) continue;
    (out as Record<string, unknown>)[f] = f === "price" ? priceText(s[f] as string) : s[f];
  }
  return out;
}

/** Builds an insertable row from a full snapshot (undo of a delete, redo of a create). */
export function rowFromSnapshot(ownerId: string, s: Snapshot, version: number): NewListing {
  return {
    ...(columnsFromSnapshot(s) as NewListing),
    id: s.id as string,
    ownerId,
    source: (s.source as NewListing["source"]) ?? "manual",
    sourceRef: (s.sourceRef as string | null) ?? null,
    createdAt: s.createdAt ? new Date(s.createdAt as string) : undefined,
    version,
  };
}
