import type { Listing } from "@mbe/db";
import { diffFields, type EditableField, type Snapshot } from "../listings/fields";
import { UpdateListingInput } from "../listings/schema";
import { MAX_RESULT_CHARS, replaceAll } from "./replace";
import { type BulkOperation, TEXT_FIELDS } from "./schema";

export interface PlannedChange {
  row: Listing;
  before: Snapshot;
  after: Snapshot;
}

/** Works out, row by row, what an operation changes; invalid results are counted as rejected. */
export async function planChanges(
  rows: Listing[],
  op: BulkOperation,
  templateFields?: Record<string, unknown>,
) {
  const planned: PlannedChange[] = [];
  const rejected: { id: string; message: string }[] = [];
  const patches: Partial<Record<EditableField, unknown>>[] = rows.map(() => ({}));
  /** Rows whose replacement would outgrow every text field, with the field. */
  const tooLong = new Map<number, string>();
  if (op.kind === "findReplace") {
    const fields = op.field === "all" ? TEXT_FIELDS : [op.field];
    for (const f of fields) {
      const idx: number[] = [];
      const vals: string[] = [];
      rows.forEach((r, i) => {
        const v = r[f];
        if (typeof v === "string" && v.length > 0) {
          idx.push(i);
          vals.push(v);
        }
      });
      const out = await replaceAll(vals, op);
      idx.forEach((rowIndex, j) => {
        const next = out[j];
        const patch = patches[rowIndex];
        if (next === null) tooLong.set(rowIndex, f);
        else if (patch && next !== undefined && next !== vals[j])
          patch[f] = f === "sku" || f === "category" || f === "condition" ? next || null : next;
      });
    }
  } else if (op.kind === "setField") {
    for (const p of patches) p[op.field] = op.value;
  } else if (op.kind === "applyTemplate") {
    for (const p of patches) Object.assign(p, templateFields ?? {});
  }
  rows.forEach((row, i) => {
    const long = tooLong.get(i);
    if (long) {
      rejected.push({
        id: row.id,
        message: `${long}: the result would be longer than ${MAX_RESULT_CHARS.toLocaleString("en-US")} characters`,
      });
      return;
    }
    const patch = patches[i] ?? {};
    if (Object.keys(patch).length === 0) return;
    const valid = UpdateListingInput.safeParse(patch);
    if (!valid.success) {
      rejected.push({
        id: row.id,
        message: valid.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; "),
      });
      return;
    }
    const { before, after, changed } = diffFields(row, valid.data);
    if (changed) planned.push({ row, before, after });
  });
  return { planned, rejected };
}
