/**
 * Regenerates src/marketplaces/facebook-template.json from Facebook's bulk-upload template, so the
 * runtime needs no fixture: `pnpm exec tsx packages/formats/scripts/extract-facebook-template.ts`
 * then `pnpm biome format --write packages/formats/src/marketplaces/facebook-template.json`.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { readTable } from "../src/read/read-table";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

async function rows(sheet: string | number, headerRow: number) {
  const t = await readTable({
    path: here("../test/fixtures/facebook-bulk-upload-template.xlsx"),
    sheet,
    headerRow,
    limits: { maxColumns: 5000 },
  });
  const out = [...t.preamble.map((r) => r.values), t.headers];
  for await (const r of t.rows) out.push(r.values);
  return out;
}

const main = await rows("Bulk Upload Template", 4);
const validation = await rows("VALIDATION", 3);
const [title, instructions, hints, headers] = main;
const conditions = validation[0] ?? [];
const categories = (validation[1] ?? []).filter((c) => c !== "");
const data = {
  source: "facebook-bulk-upload-template.xlsx",
  sheetName: "Bulk Upload Template",
  validationSheetName: "VALIDATION",
  title: title?.[0] ?? "",
  instructions: instructions?.[0] ?? "",
  hints,
  headers,
  conditions,
  categories,
};
await writeFile(
  here("../src/marketplaces/facebook-template.json"),
  `${JSON.stringify(data, null, 1)}\n`,
);
console.log(`wrote ${categories.length} categories, ${conditions.length} conditions`);
