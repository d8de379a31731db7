import type { Inputs, Outputs } from "../api/client";
import type { Marketplace } from "./columns";

/** An import as the API returns it (upload, byId, analyze, commit, undo). */
export type ImportView = Outputs["imports"]["byId"];
/** One dry-run problem. */
export type ImportProblem = {
  row: number;
  column: string;
  value: string;
  code: string;
  severity: "error" | "warning";
  message: string;
  suggestion?: string;
};
/** Header → canonical field or "ignore", as the API accepts it. */
export type ColumnMapping = NonNullable<Inputs["imports"]["analyze"]["mapping"]>;
/** What a column can be mapped to. */
export type MappingTarget = ColumnMapping[string];
/** create | update | upsert. */
export type ImportMode = NonNullable<Inputs["imports"]["commit"]["mode"]>;
/** id | sku. */
export type MatchBy = NonNullable<Inputs["imports"]["commit"]["matchBy"]>;

/**
 * The listing fields a column can feed (mirrors CANONICAL_FIELDS in @mbe/formats; the console
 * imports only types from the API, and `satisfies` keeps this list honest against them).
 */
export const MAPPING_TARGETS = [
  "id",
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
  "marketplaceFields",
  "ignore",
] as const satisfies readonly MappingTarget[];

/** Labels for the mapping dropdown. */
export const TARGET_LABEL: Record<MappingTarget, string> = {
  id: "Listing id",
  title: "Title",
  price: "Price",
  currency: "Currency",
  condition: "Condition",
  description: "Description",
  category: "Category",
  offerShipping: "Offers shipping",
  sku: "SKU",
  quantity: "Quantity",
  imageUrls: "Image URLs",
  status: "Status",
  marketplaceFields: "Marketplace fields",
  ignore: "— Ignore this column —",
};

/** Where the wizard is. */
export type WizardStep =
  | "pick"
  | "uploading"
  | "analysing"
  | "mapping"
  | "preview"
  | "committing"
  | "done"
  | "undone"
  | "failed";

/** The whole wizard state; the screen renders from it and sends actions. */
export interface WizardState {
  step: WizardStep;
  file: { name: string; size: number } | null;
  imp: ImportView | null;
  /** The marketplace layout the seller chose, or null to keep the detected one. */
  marketplace: Marketplace | null;
  mapping: ColumnMapping;
  /** Set once the seller has confirmed (or never needed) the column mapping. */
  mappingConfirmed: boolean;
  applyFixes: boolean;
  mode: ImportMode;
  matchBy: MatchBy;
  /** A dry run or commit request is in flight. */
  busy: boolean;
  error: string | null;
}

/** Everything that can happen to the wizard. */
export type WizardAction =
  | { type: "fileChosen"; file: { name: string; size: number } }
  | { type: "received"; imp: ImportView }
  | { type: "resume"; imp: ImportView }
  | { type: "reanalyse" }
  | { type: "setMarketplace"; marketplace: Marketplace }
  | { type: "setTarget"; header: string; target: MappingTarget }
  | { type: "loadMapping"; mapping: ColumnMapping }
  | { type: "confirmMapping" }
  | { type: "editMapping" }
  | { type: "setApplyFixes"; value: boolean }
  | { type: "setMode"; mode: ImportMode }
  | { type: "setMatchBy"; matchBy: MatchBy }
  | { type: "commit" }
  | { type: "error"; message: string }
  | { type: "reset" };

/** The state before any file was chosen. */
export const initialWizard: WizardState = {
  step: "pick",
  file: null,
  imp: null,
  marketplace: null,
  mapping: {},
  mappingConfirmed: false,
  applyFixes: false,
  mode: "upsert",
  matchBy: "sku",
  busy: false,
  error: null,
};

/** The marketplace in effect: the seller's choice, else what the dry run detected. */
export function effectiveMarketplace(s: WizardState): Marketplace | null {
  return s.marketplace ?? (s.imp?.marketplace as Marketplace | null | undefined) ?? null;
}

/** Only generic files are mapped by the seller; marketplace layouts have fixed columns. */
export function needsMapping(s: WizardState): boolean {
  return effectiveMarketplace(s) === "generic";
}

/** Where a freshly received import puts the wizard. */
function stepFor(s: WizardState, imp: ImportView): WizardStep {
  switch (imp.status) {
    case "uploaded":
      return "analysing";
    case "previewed":
      return needsMapping({ ...s, imp }) && !s.mappingConfirmed ? "mapping" : "preview";
    case "committing":
      return "committing";
    case "committed":
      return "done";
    case "undone":
      return "undone";
    default:
      return "failed";
  }
}

/** Keeps every header of the file in the mapping, preferring what the seller already chose. */
function mergeMapping(current: ColumnMapping, fromServer: unknown): ColumnMapping {
  const out: ColumnMapping = {};
  if (fromServer && typeof fromServer === "object")
    for (const [h, f] of Object.entries(fromServer as Record<string, unknown>))
      if (typeof f === "string" && (MAPPING_TARGETS as readonly string[]).includes(f))
        out[h] = f as MappingTarget;
  for (const [h, f] of Object.entries(current)) if (h in out) out[h] = f;
  return Object.keys(out).length ? out : current;
}

/** The wizard's transitions (a pure reducer, so the flow is testable without a server). */
export function wizardReducer(s: WizardState, a: WizardAction): WizardState {
  switch (a.type) {
    case "fileChosen":
      return { ...initialWizard, step: "uploading", file: a.file, busy: true };
    case "received": {
      const imp = a.imp;
      const next: WizardState = {
        ...s,
        imp,
        busy: false,
        error: imp.status === "failed" ? (imp.error ?? "The file could not be read") : null,
        mapping: mergeMapping(s.mapping, imp.mapping),
        mode: (imp.mode as ImportMode | undefined) ?? s.mode,
        matchBy: (imp.matchBy as MatchBy | undefined) ?? s.matchBy,
      };
      return { ...next, step: stepFor(next, imp) };
    }
    case "resume":
      // Reopened from the file history: the seller already saw (and chose) this file's mapping.
      return wizardReducer(
        {
          ...initialWizard,
          file: { name: a.imp.fileName, size: Number(a.imp.fileSize) || 0 },
          mappingConfirmed: true,
          applyFixes: a.imp.counts.applyFixes === 1,
        },
        { type: "received", imp: a.imp },
      );
    case "reanalyse":
      return { ...s, busy: true, error: null };
    case "setMarketplace": {
      const changed = a.marketplace !== effectiveMarketplace(s);
      return {
        ...s,
        marketplace: a.marketplace,
        busy: changed && !!s.imp,
        mappingConfirmed: a.marketplace === "generic" ? false : s.mappingConfirmed,
      };
    }
    case "setTarget": {
      const mapping: ColumnMapping = { ...s.mapping };
      // One column per field: taking a field away from another column leaves that one ignored.
      if (a.target !== "ignore" && a.target !== "marketplaceFields")
        for (const [h, f] of Object.entries(mapping))
          if (f === a.target && h !== a.header) mapping[h] = "ignore";
      mapping[a.header] = a.target;
      return { ...s, mapping };
    }
    case "loadMapping": {
      const mapping: ColumnMapping = {};
      for (const h of Object.keys(s.mapping)) mapping[h] = a.mapping[h] ?? "ignore";
      return { ...s, mapping };
    }
    case "confirmMapping":
      return { ...s, mappingConfirmed: true, busy: true, error: null };
    case "editMapping":
      return needsMapping(s) ? { ...s, step: "mapping", mappingConfirmed: false } : s;
    case "setApplyFixes":
      return { ...s, applyFixes: a.value, busy: !!s.imp };
    case "setMode":
      return { ...s, mode: a.mode, busy: !!s.imp };
    case "setMatchBy":
      return { ...s, matchBy: a.matchBy, busy: !!s.imp };
    case "commit":
      return canCommit(s) ? { ...s, busy: true, error: null } : s;
    case "error":
      return {
        ...s,
        busy: false,
        error: a.message,
        step: s.step === "uploading" ? "pick" : s.step,
      };
    case "reset":
      return initialWizard;
  }
}

/** Whether the preview can be committed: a dry run exists and something would be written. */
export function canCommit(s: WizardState): boolean {
  const c = s.imp?.counts;
  return (
    s.step === "preview" && !s.busy && !!c && (Number(c.create) || 0) + (Number(c.update) || 0) > 0
  );
}

/** Files the wizard accepts (the API sniffs the content; this only guides the picker). */
export const ACCEPTED_FILES = ".csv,.tsv,.txt,.xlsx,.json,.ndjson";

/** Rejects files the API would refuse anyway, before uploading them. */
export function checkFile(f: { name: string; size: number }, maxBytes: number): string | null {
  if (f.size === 0) return "The file is empty";
  if (f.size > maxBytes)
    return `Files are limited to ${Math.round(maxBytes / 1024 / 1024)} MB (this one is ${(
      f.size / 1024 / 1024
    ).toFixed(1)} MB)`;
  if (!/\.(csv|tsv|txt|xlsx|json|ndjson)$/i.test(f.name))
    return "Choose a CSV, Excel (.xlsx) or JSON file";
  return null;
}

/** A file size for people: B, KB or MB. */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * A job's progress in words: how much of a file its import's dry run has read (bytes of the file,
 * or of a workbook's sheet, so as a share) with the rows checked, or items done of all.
 */
export function progressText(p: {
  processed: number;
  total: number;
  unit?: "rows" | "bytes";
  rows?: number;
}): string {
  if (p.unit === "bytes") {
    const share = percent(p);
    const rows = p.rows === undefined ? "" : `${p.rows.toLocaleString()} rows checked`;
    return share === null ? rows || "Reading…" : `${share}% read${rows ? ` · ${rows}` : ""}`;
  }
  return `${p.processed.toLocaleString()} / ${p.total.toLocaleString()}`;
}

/** Processed / total as a 0–100 percentage (null when the total is not known yet). */
export function percent(p: { processed: number; total: number } | null | undefined): number | null {
  if (!p || !(p.total > 0)) return null;
  return Math.max(0, Math.min(100, Math.round((p.processed / p.total) * 100)));
}

/**
 * The header names of a CSV/TSV file's first record, in file order. The API returns the mapping as
 * an object whose key order the database does not keep, so the mapping step orders rows by this.
 */
export function csvHeaderOrder(head: string): string[] {
  const text = head.replace(/^\uFEFF/, "");
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const counts = [",", "\t", ";"].map((d) => [d, firstLine.split(d).length] as const);
  const delim = counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length && out.length < 1000; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === delim) {
      out.push(cell.trim());
      cell = "";
    } else if (c === "\n" || c === "\r") break;
    else cell += c;
  }
  out.push(cell.trim());
  return out.filter(Boolean);
}

/** The mapping's headers in file order when known; unknown ones keep their place at the end. */
export function orderedHeaders(mapping: ColumnMapping, order: readonly string[]): string[] {
  const keys = Object.keys(mapping);
  const pos = new Map(order.map((h, i) => [h, i]));
  return keys
    .map((h, i) => ({ h, k: pos.get(h) ?? order.length + i }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.h);
}
