import vm from "node:vm";
import type { Listing } from "@mbe/db";
import { CoreError } from "../errors";
import { diffFields, type EditableField, type Snapshot } from "../listings/fields";
import { UpdateListingInput } from "../listings/schema";
import { type BulkOperation, TEXT_FIELDS } from "./schema";

export interface PlannedChange {
  row: Listing;
  before: Snapshot;
  after: Snapshot;
}

const REGEX_BUDGET_MS = 3000;

/**
 * Replaces in many strings at once inside a VM time budget, so a pathological pattern from a
 * seller fails with a code instead of freezing the server.
 */
function replaceAll(
  values: string[],
  op: Extract<BulkOperation, { kind: "findReplace" }>,
): string[] {
  const flags = op.caseSensitive ? "g" : "gi";
  let re: RegExp;
  try {
    re = op.regex
      ? new RegExp(op.find, `${flags}u`)
      : new RegExp(op.find.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), flags);
  } catch (err) {
    throw new CoreError(
      "VALIDATION_FAILED",
      `Invalid regular expression: ${(err as Error).message}`,
    );
  }
  // A plain replacement must not interpret `$1` or `$&`.
  const replacement = op.regex ? op.replace : op.replace.replace(/\$/g, "$$$$");
  const sandbox = { values, re, replacement, out: [] as string[] };
  try {
    new vm.Script("out = values.map((v) => v.replace(re, replacement));").runInNewContext(sandbox, {
      timeout: REGEX_BUDGET_MS,
    });
  } catch (err) {
    if (/timed out/i.test(String(err)))
      throw new CoreError("UNPROCESSABLE", "The pattern takes too long to run; simplify it");
    throw err;
  }
  return sandbox.out;
}

/** Works out, row by row, what an operation changes; invalid results are counted as rejected. */
export function planChanges(
  rows: Listing[],
  op: BulkOperation,
  templateFields?: Record<string, unknown>,
) {
  const planned: PlannedChange[] = [];
  const rejected: { id: string; message: string }[] = [];
  const patches: Partial<Record<EditableField, unknown>>[] = rows.map(() => ({}));
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
      const out = replaceAll(vals, op);
      idx.forEach((rowIndex, j) => {
        const next = out[j];
        const patch = patches[rowIndex];
        if (patch && next !== undefined && next !== vals[j])
          patch[f] = f === "sku" || f === "category" || f === "condition" ? next || null : next;
      });
    }
  } else if (op.kind === "setField") {
    for (const p of patches) p[op.field] = op.value;
  } else if (op.kind === "applyTemplate") {
    for (const p of patches) Object.assign(p, templateFields ?? {});
  }
  rows.forEach((row, i) => {
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
