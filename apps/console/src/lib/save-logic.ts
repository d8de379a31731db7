import { ALL_COLUMNS, type Row } from "./columns";

/** What the client learnt from a failed save. */
export type SaveFailure =
  | { kind: "conflict"; current: Row; message: string }
  | { kind: "error"; code: string; message: string };

/** Reads the machine code from a tRPC error (`data.appCode`) or any thrown value. */
export function errorCode(err: unknown): string {
  const data = (err as { data?: { appCode?: unknown; code?: unknown } } | null)?.data;
  if (data && typeof data.appCode === "string") return data.appCode;
  if (data && typeof data.code === "string") return data.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "NETWORK_ERROR";
}

/** One field the server refused, in the seller's words; `code` is the validator's own code. */
export interface FieldIssue {
  /** The field's path as the API names it, e.g. "price" or "marketplaceFields.shopifyHandle". */
  path: string;
  /** The field as the grid labels it, e.g. "Price". */
  label: string;
  message: string;
  code?: string;
}

/** Plain labels of fields the grid has no column for. */
const FIELD_LABELS: Record<string, string> = {
  marketplaceFields: "Marketplace fields",
  photos: "Photos",
  version: "Version",
  id: "Listing",
};

/** "offerShipping" → "Offer shipping". */
function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

/** The label of a field path: the grid's column label when it has one. */
function fieldLabel(path: string): string {
  const keys = path.split(".").filter((k) => k !== "" && !/^\d+$/.test(k));
  for (const k of [...keys].reverse()) {
    const col = ALL_COLUMNS.find((c) => c.key === k || c.mfKey === k);
    if (col) return col.label;
  }
  const last = keys.at(-1);
  if (!last) return "Value";
  return FIELD_LABELS[last] ?? humanize(last);
}

const TYPE_WORDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "yes or no",
  array: "a list",
  object: "a set of fields",
  date: "a date",
};

/**
 * A validator's message in plain words: "Invalid input: expected string, received number" →
 * "must be text", "Too big: expected string to have <=80 characters" → "must be at most 80
 * characters". A message the API wrote for people ("JPY has no minor unit: 10.5") is kept.
 */
export function plainIssueMessage(message: string): string {
  const m = message.trim();
  let x = /^Invalid input: expected (\w+)(?:, received (\w+))?$/i.exec(m);
  if (x) {
    if (x[2] === "undefined") return "is missing";
    const t = (x[1] ?? "").toLowerCase();
    return `must be ${TYPE_WORDS[t] ?? t}`;
  }
  x = /^Too (big|small): expected (\w+) to have ([<>]=?)(\d+) (\w+)$/i.exec(m);
  if (x) {
    const [, , , op, n, unit] = x;
    if (op === ">=" && n === "1") return "can't be empty";
    const bound = op?.startsWith("<") ? "at most" : "at least";
    return `must have ${bound} ${n} ${unit}`;
  }
  x = /^Too (big|small): expected (\w+) to be ([<>]=?)(-?[\d.]+)$/i.exec(m);
  if (x) {
    const [, , , op, n] = x;
    const bound =
      op === "<=" ? "at most" : op === "<" ? "less than" : op === ">=" ? "at least" : "more than";
    return `must be ${bound} ${n}`;
  }
  x = /^Invalid option: expected one of (.+)$/i.exec(m);
  if (x) return `must be one of ${(x[1] ?? "").replace(/"/g, "").split("|").join(", ")}`;
  if (/^Invalid input$/i.test(m)) return "is not valid";
  if (/^Invalid string: must match pattern/i.test(m)) return "is not in the expected form";
  if (/^Invalid (email|url|uuid)/i.test(m)) return "is not valid";
  if (/^Unrecognized keys?:/i.test(m)) return "is not a field a listing has";
  return m;
}

/** Issues given as `[{ path, message, code? }]`, path a string or a list of keys. */
function readIssues(raw: unknown): FieldIssue[] {
  if (!Array.isArray(raw)) return [];
  const out: FieldIssue[] = [];
  for (const i of raw) {
    if (!i || typeof i !== "object") continue;
    const { path, message, code } = i as { path?: unknown; message?: unknown; code?: unknown };
    if (typeof message !== "string") continue;
    const p = Array.isArray(path)
      ? path.map(String).join(".")
      : typeof path === "string"
        ? path
        : "";
    out.push({
      path: p,
      label: fieldLabel(p),
      message: plainIssueMessage(message),
      ...(typeof code === "string" ? { code } : {}),
    });
  }
  return out;
}

/**
 * The fields an error names: the API's `details.issues`, or the validator's report the API sends
 * as the message of a refused input (a JSON list of issues).
 */
export function fieldIssues(err: unknown): FieldIssue[] {
  const details = (err as { data?: { details?: { issues?: unknown } } } | null)?.data?.details;
  const fromDetails = readIssues(details?.issues);
  if (fromDetails.length) return fromDetails;
  const message = err instanceof Error ? err.message : (err as { message?: unknown })?.message;
  if (typeof message !== "string") return [];
  return readIssues(parseJson(message.trim()));
}

function parseJson(text: string): unknown {
  if (!text.startsWith("[") && !text.startsWith("{")) return null;
  try {
    const v = JSON.parse(text) as unknown;
    // A report wrapped as { issues: [...] } reads the same.
    return Array.isArray(v) ? v : (v as { issues?: unknown } | null)?.issues;
  } catch {
    return null;
  }
}

/** "Price: must be a number; Title: can't be empty". */
export function issuesText(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.label}: ${i.message}`).join("; ");
}

/** A human message for any error: the fields it names in plain words when it names some. */
export function errorMessage(err: unknown): string {
  const issues = fieldIssues(err);
  if (issues.length) return issuesText(issues);
  if (err instanceof Error && err.message) {
    // A machine report the issues above could not read is no message for a person.
    if (parseJson(err.message.trim()) !== null) return "The server refused the request";
    return err.message;
  }
  return "Something went wrong";
}

/**
 * A message the API wrote as "path: message; path: message" from a validator's issues (a bulk
 * edit's rejected rows, a scan item not converted): each validator message in it is worded plainly
 * under the field's label. Parts the API wrote for people are kept as they are.
 */
export function plainIssueList(text: string): string {
  return text
    .split("; ")
    .map((part) => {
      const x = /^([A-Za-z]\w*(?:\.\w+)*): (.+)$/s.exec(part);
      if (!x) return part;
      const [, path = "", message = ""] = x;
      const plain = plainIssueMessage(message);
      return plain === message.trim() ? part : `${fieldLabel(path)}: ${plain}`;
    })
    .join("; ");
}

/** A bulk save's message for one row it did not save (`results[i].error`). */
export function rowErrorMessage(
  error: { code?: string; message?: string; issues?: unknown } | undefined,
): string {
  const issues = readIssues(error?.issues);
  if (issues.length) return issuesText(issues);
  return error?.message || "failed";
}

/** Turns an update error into a conflict (with the server's current row) or a plain failure. */
export function classifySaveError(err: unknown): SaveFailure {
  const code = errorCode(err);
  const details = (err as { data?: { details?: { current?: Row } } } | null)?.data?.details;
  if (code === "VERSION_CONFLICT" && details?.current)
    return { kind: "conflict", current: details.current, message: errorMessage(err) };
  return { kind: "error", code, message: errorMessage(err) };
}

/** An edit the server refused because someone else changed the row first. */
export interface Conflict {
  rowId: string;
  /** The fields and values this user typed (kept, never dropped). */
  mine: Record<string, unknown>;
  /** The row as the server has it now. */
  theirs: Row;
  /**
   * The row as this user saw it when making the edit. `mine.marketplaceFields` is that whole
   * object with the user's change applied; this tells which of its keys the user actually changed.
   */
  base?: Row;
}

/** The save request a grid edit turns into: the patch plus the version the user last saw. */
export interface SaveRequest {
  id: string;
  patch: Record<string, unknown>;
  version: number;
}

/** Applies a patch to a row locally (the optimistic view). */
export function applyPatch(row: Row, patch: Record<string, unknown>): Row {
  return { ...row, ...patch } as Row;
}

/**
 * Runs one optimistic save. `show` is called at once with the optimistic row, then with the
 * server's row on success, or the previous row on failure; a version conflict is returned (never
 * silently dropped) so the caller can ask "keep mine / take theirs".
 */
export async function optimisticSave(
  row: Row,
  patch: Record<string, unknown>,
  update: (req: SaveRequest) => Promise<Row & { changeSetId: string | null }>,
  show: (row: Row) => void,
): Promise<
  | { ok: true; row: Row; changeSetId: string | null }
  | { ok: false; failure: SaveFailure; conflict?: Conflict }
> {
  show(applyPatch(row, patch));
  try {
    const saved = await update({ id: row.id, patch, version: row.version });
    const { changeSetId, ...rest } = saved;
    // Keep marketplace warnings the list gave us if the update response has none.
    const next = { ...rest, warnings: rest.warnings ?? row.warnings } as Row;
    show(next);
    return { ok: true, row: next, changeSetId };
  } catch (err) {
    const failure = classifySaveError(err);
    if (failure.kind === "conflict") {
      // Show their value; the conflict record keeps mine for the user to choose.
      show(failure.current);
      return {
        ok: false,
        failure,
        conflict: { rowId: row.id, mine: patch, theirs: failure.current, base: row },
      };
    }
    show(row);
    return { ok: false, failure };
  }
}

/**
 * "Keep mine": the same patch re-sent against the version the server now has. Marketplace fields
 * are one object saved whole, so re-sending the one this user edited would also put back keys that
 * someone else changed meanwhile; only the keys this user changed are merged into the server's.
 */
export function keepMineRequest(c: Conflict): SaveRequest {
  const patch = { ...c.mine };
  const mine = c.mine.marketplaceFields as Record<string, unknown> | undefined;
  if (mine && typeof mine === "object" && c.base) {
    const before = c.base.marketplaceFields ?? {};
    const merged: Record<string, unknown> = { ...(c.theirs.marketplaceFields ?? {}) };
    for (const k of new Set([...Object.keys(before), ...Object.keys(mine)])) {
      if (JSON.stringify(before[k]) === JSON.stringify(mine[k])) continue;
      if (k in mine) merged[k] = mine[k];
      else delete merged[k];
    }
    patch.marketplaceFields = merged;
  }
  return { id: c.rowId, patch, version: c.theirs.version };
}

/** Fields whose values differ between mine and theirs, for the conflict dialog. */
export function conflictFields(c: Conflict): { field: string; mine: unknown; theirs: unknown }[] {
  return Object.entries(c.mine).map(([field, mine]) => ({
    field,
    mine,
    theirs: (c.theirs as unknown as Record<string, unknown>)[field],
  }));
}

/**
 * Runs saves of the same row one after another. Every save carries the version it expects, so a
 * second edit sent while the first is still on its way would carry the same version and be refused
 * as a conflict with the user's own edit; queued here, it waits and sends the version the previous
 * save returned instead.
 */
export class RowSaveQueue {
  private tails = new Map<string, Promise<number | null>>();
  private waiting = new Map<string, number>();

  /** Whether a save of this row is running or waiting. */
  busy(id: string): boolean {
    return (this.waiting.get(id) ?? 0) > 0;
  }

  /**
   * Runs `save` once earlier saves of row `id` are done. It receives the version to send: the
   * newest of `version` and the one the previous save returned (a failed save returns none). It
   * returns its result and the row's version after it (null when it saved nothing).
   */
  run<R>(
    id: string,
    version: number,
    save: (version: number) => Promise<{ result: R; version: number | null }>,
  ): Promise<R> {
    return this.runMany([{ id, version }], async (versions) => {
      const d = await save(versions.get(id) ?? version);
      return { result: d.result, versions: new Map([[id, d.version]]) };
    });
  }

  /**
   * Runs one save of many rows (a paste, a fill, a clear) once earlier saves of any of them are
   * done, in the same queue as single edits: an edit of a pasted row waits for the paste, and a
   * paste over a row still saving waits for that save, so neither is refused as a conflict with
   * the user's own change. `save` gets each row's version to send and returns each row's version
   * after it (null or absent when that row was not saved).
   */
  runMany<R>(
    rows: { id: string; version: number }[],
    save: (
      versions: Map<string, number>,
    ) => Promise<{ result: R; versions: Map<string, number | null> }>,
  ): Promise<R> {
    const ids = [...new Set(rows.map((r) => r.id))];
    const prevs = ids.map((id) => this.tails.get(id));
    for (const id of ids) this.waiting.set(id, (this.waiting.get(id) ?? 0) + 1);
    const done = (async () => {
      try {
        // With nothing ahead of it the save starts at once, as a lone edit always did.
        const after = prevs.some((p) => p)
          ? await Promise.all(prevs.map((p) => p ?? null))
          : prevs.map(() => null);
        const before = new Map(ids.map((id, i) => [id, after[i] ?? null]));
        const versions = new Map<string, number>();
        for (const r of rows) {
          const a = before.get(r.id) ?? null;
          versions.set(r.id, a === null ? r.version : Math.max(a, r.version));
        }
        return await save(versions);
      } finally {
        // Settled before the caller resumes, so `busy` is already false for the last one.
        for (const id of ids) {
          const left = (this.waiting.get(id) ?? 1) - 1;
          if (left > 0) this.waiting.set(id, left);
          else {
            this.waiting.delete(id);
            this.tails.delete(id);
          }
        }
      }
    })();
    const settled = done.then(
      (d) => d.versions,
      () => null,
    );
    for (const id of ids)
      this.tails.set(
        id,
        settled.then((v) => v?.get(id) ?? null),
      );
    return done.then((d) => d.result);
  }
}
