import { useEffect, useState } from "react";
import { api, type Inputs, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { Dialog } from "../components/dialog";
import { ALL_COLUMNS, parseCell, parsePrice } from "../lib/columns";
import { errorMessage, plainIssueList } from "../lib/save-logic";
import {
  filterScopeSuffix,
  MAX_SELECTED_ROWS,
  selectionScope,
  tooManySelectedLabel,
} from "../lib/selection-scope";

type Request = Inputs["bulkEdits"]["preview"];
type Operation = Request["operation"];
type Preview = Outputs["bulkEdits"]["preview"];
type Kind = Operation["kind"];

const KINDS: { kind: Kind; label: string }[] = [
  { kind: "findReplace", label: "Find & replace" },
  { kind: "priceChange", label: "Change price" },
  { kind: "setField", label: "Set a field" },
  { kind: "applyTemplate", label: "Apply template" },
  { kind: "duplicate", label: "Duplicate" },
  { kind: "delete", label: "Delete" },
];
const TEXT_FIELDS = ["all", "title", "description", "category", "condition", "sku"] as const;
const SET_FIELDS = [
  "status",
  "condition",
  "category",
  "currency",
  "price",
  "quantity",
  "offerShipping",
  "title",
  "description",
  "sku",
] as const;

const fmt = (v: unknown) =>
  v === null || v === undefined || v === ""
    ? "—"
    : typeof v === "object"
      ? JSON.stringify(v)
      : String(v);

/** "1.000" or "-2.500": one thousand with a thousands point, or one with three decimals. */
const AMBIGUOUS_POINT = /^[+-]?[1-9]\d{0,2}\.\d{3}%?$/;

/**
 * A signed number as typed, with a decimal point or a decimal comma ("-2,5" is -2.5); null for
 * anything else (Number() would also take "1e3" or "0x10", and turns "2,5" into NaN). As in a
 * price cell, a comma followed by three digits groups thousands: "1,000" is 1000, not 1, and
 * "1,000.50" or "1.000,50" read as a spreadsheet shows them; "1.000" could be either, and is
 * refused as a cell refuses it. A percentage may end in "%".
 */
function typedNumber(text: string, percent: boolean): number | null {
  let t = text.trim();
  if (percent) t = t.replace(/\s*%$/, "");
  if (AMBIGUOUS_POINT.test(t)) return null;
  const sign = /^[+-]/.test(t) ? t.charAt(0) : "";
  const s = t.slice(sign.length);
  let plain: string;
  if (/^[1-9]\d{0,2}(,\d{3})+(\.\d+)?$/.test(s)) plain = s.replace(/,/g, "");
  else if (/^[1-9]\d{0,2}(\.\d{3})+,\d+$/.test(s)) plain = s.replace(/\./g, "").replace(",", ".");
  else if (/^\d+([.,]\d+)?$/.test(s)) plain = s.replace(",", ".");
  else return null;
  return Number(`${sign}${plain}`);
}

/** Whether two bulk edit requests are the same (a selection may hold 100,000 ids). */
function sameRequest(a: Request, b: Request): boolean {
  if (JSON.stringify(a.operation) !== JSON.stringify(b.operation)) return false;
  const x = a.selection;
  const y = b.selection;
  if ("ids" in x || "ids" in y)
    return (
      "ids" in x &&
      "ids" in y &&
      (x.ids === y.ids ||
        (x.ids.length === y.ids.length && x.ids.every((id, i) => id === y.ids[i])))
    );
  return JSON.stringify(x.filter) === JSON.stringify(y.filter);
}

export { MAX_SELECTED_ROWS };

/** Bulk actions on the selection or the current filter, always previewed before they apply. */
export function BulkDialog(props: {
  /** The selected listings, or null when the grid has no range selected or cannot list it. */
  selectedIds: string[] | null;
  /** How many rows the grid's selected range covers (0 for none), even when too many to list. */
  selectedRows?: number;
  filter: Record<string, unknown>;
  total: number;
  onClose: () => void;
  onApplied: (changeSetId: string | null, label: string) => void;
}) {
  const app = useApp();
  const range = selectionScope(props.selectedIds, props.selectedRows, props.total);
  const { tooMany, selectionIsFilter } = range;
  const [scope, setScope] = useState<"selection" | "filter" | null>(range.initial);
  const [kind, setKind] = useState<Kind>("priceChange");
  const [f, setF] = useState({
    field: "title" as string,
    find: "",
    replace: "",
    regex: false,
    caseSensitive: false,
    mode: "percent" as "percent" | "amount",
    value: "10",
    rounding: "none" as "none" | "nearest" | "up" | "down" | "99",
    floor: "",
    setField: "status" as (typeof SET_FIELDS)[number],
    setValue: "active",
    templateId: "",
  });
  const [templates, setTemplates] = useState<{ id: string; name: string }[]>([]);
  /** The last preview and the exact request it answers. */
  const [previewed, setPreviewed] = useState<{ request: Request; result: Preview } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (kind === "applyTemplate")
      api.templates.list
        .query()
        .then((r) => {
          const list = (
            Array.isArray(r) ? r : (r as { items: { id: string; name: string }[] }).items
          ) as { id: string; name: string }[];
          setTemplates(list);
          setF((x) => (x.templateId || !list[0] ? x : { ...x, templateId: list[0].id }));
        })
        .catch(() => setTemplates([]));
  }, [kind]);

  // Any change invalidates the preview: apply only what was previewed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on any input change
  useEffect(() => setPreviewed(null), [kind, f, scope]);

  const selection =
    scope === "selection" && props.selectedIds
      ? { ids: props.selectedIds }
      : { filter: props.filter };

  const operation = (): Operation | string => {
    switch (kind) {
      case "findReplace":
        if (!f.find) return "Enter the text to find";
        return {
          kind,
          field: f.field as (typeof TEXT_FIELDS)[number],
          find: f.find,
          replace: f.replace,
          regex: f.regex,
          caseSensitive: f.caseSensitive,
        };
      case "priceChange": {
        const v = typedNumber(f.value, f.mode === "percent");
        if (v === null)
          return AMBIGUOUS_POINT.test(f.value.trim())
            ? `Is "${f.value.trim()}" a thousands separator or decimals? Write it without the point, or with a comma for decimals`
            : "Enter a number";
        // As the server refuses it: every price would end at 0.
        if (f.mode === "percent" && v <= -100)
          return "A cut of 100 % or more would leave every price at 0";
        const floor = f.floor.trim() === "" ? undefined : parsePrice(f.floor);
        if (floor === null) return "Floor must be a price of 0 or more";
        return {
          kind,
          mode: f.mode,
          value: v,
          rounding: f.rounding,
          ...(floor !== undefined ? { floor } : {}),
        };
      }
      case "setField": {
        let value: unknown = f.setValue;
        if (f.setField === "price" || f.setField === "quantity") {
          // Number("") is 0: a blank box would set every price or quantity to zero.
          if (f.setValue.trim() === "") return "Enter a number";
          // A price as the grid reads it ("12,99" too); a quantity is a whole number.
          const qty = ALL_COLUMNS.find((c) => c.key === "quantity");
          const parsed = qty && parseCell(qty, f.setValue);
          value =
            f.setField === "price"
              ? parsePrice(f.setValue)
              : parsed?.ok
                ? parsed.patch.quantity
                : null;
          if (value === null)
            return f.setField === "price" ? "Enter a price" : "Enter a whole number";
        } else if (f.setField === "offerShipping") value = f.setValue === "true";
        else if (
          (f.setField === "condition" || f.setField === "category" || f.setField === "sku") &&
          f.setValue === ""
        )
          value = null;
        return { kind, field: f.setField, value };
      }
      case "applyTemplate":
        if (!f.templateId) return "Create a template first (Templates page)";
        return { kind, templateId: f.templateId };
      default:
        return { kind } as Operation;
    }
  };

  const op = operation();
  const current: Request | null =
    typeof op === "string" || scope === null ? null : { selection, operation: op };
  // A preview answers one request: one that arrives after the form changed (or the selection or
  // filter did) is not shown, so Apply is never offered for an edit that was not previewed.
  const preview =
    previewed && current && sameRequest(previewed.request, current) ? previewed.result : null;

  const run = async (apply: boolean) => {
    if (!current) {
      setError(
        typeof op === "string"
          ? op
          : `Choose what to apply this to: a selection holds at most ${MAX_SELECTED_ROWS.toLocaleString()} rows`,
      );
      return;
    }
    if (apply && !preview) return;
    const request = current;
    setBusy(true);
    setError(null);
    try {
      if (!apply) setPreviewed({ request, result: await api.bulkEdits.preview.mutate(request) });
      else {
        const r = await api.bulkEdits.execute.mutate(request);
        const label = `${KINDS.find((k) => k.kind === kind)?.label ?? kind}: ${r.changed} listing(s)`;
        app.toast("success", label);
        props.onApplied(r.changeSetId, label);
        props.onClose();
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const set = (patch: Partial<typeof f>) => setF((x) => ({ ...x, ...patch }));

  return (
    <Dialog
      title="Bulk actions"
      wide
      onClose={props.onClose}
      footer={
        <>
          <span className="muted small">
            {preview
              ? `${preview.matched.toLocaleString()} matched · ${preview.changed.toLocaleString()} will change`
              : "Preview before applying"}
          </span>
          <span className="spacer" />
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="button" className="btn" disabled={busy} onClick={() => void run(false)}>
            Preview
          </button>
          <button
            type="button"
            className={`btn ${kind === "delete" ? "danger" : "primary"}`}
            disabled={busy || !preview || preview.changed === 0}
            onClick={() => void run(true)}
          >
            {kind === "delete"
              ? `Delete ${preview?.changed ?? ""}`
              : `Apply to ${preview?.changed.toLocaleString() ?? "…"}`}
          </button>
        </>
      }
    >
      <fieldset className="radio-row">
        <legend>Apply to</legend>
        <label>
          <input
            type="radio"
            name="scope"
            checked={scope === "selection"}
            disabled={!props.selectedIds?.length}
            onChange={() => setScope("selection")}
          />
          Selected rows{" "}
          {props.selectedIds
            ? `(${props.selectedIds.length.toLocaleString()})`
            : tooMany
              ? tooManySelectedLabel(range.selectedRows, "applied")
              : "(select a range of rows first)"}
        </label>
        <label>
          <input
            type="radio"
            name="scope"
            checked={scope === "filter"}
            onChange={() => setScope("filter")}
          />
          All {props.total.toLocaleString()} matching the current filter
          {filterScopeSuffix(range)}
        </label>
      </fieldset>
      {tooMany && !selectionIsFilter && (
        <p className="muted small" role="note">
          To act on only the rows you selected, narrow the filter or select at most{" "}
          {MAX_SELECTED_ROWS.toLocaleString()} rows.
        </p>
      )}
      <div className="seg" role="radiogroup" aria-label="Action">
        {KINDS.map((k) => (
          // biome-ignore lint/a11y/useSemanticElements: segmented control
          <button
            key={k.kind}
            type="button"
            role="radio"
            aria-checked={kind === k.kind}
            className={`seg-btn${kind === k.kind ? " on" : ""}`}
            onClick={() => setKind(k.kind)}
          >
            {k.label}
          </button>
        ))}
      </div>
      <div className="form-grid">
        {kind === "findReplace" && (
          <>
            <label className="field">
              <span>In field</span>
              <select value={f.field} onChange={(e) => set({ field: e.target.value })}>
                {TEXT_FIELDS.map((x) => (
                  <option key={x} value={x}>
                    {x === "all" ? "All text fields" : x}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Find</span>
              <input
                value={f.find}
                maxLength={500}
                onChange={(e) => set({ find: e.target.value })}
              />
            </label>
            <label className="field">
              <span>Replace with</span>
              <input
                value={f.replace}
                maxLength={5000}
                onChange={(e) => set({ replace: e.target.value })}
              />
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={f.regex}
                onChange={(e) => set({ regex: e.target.checked })}
              />{" "}
              Regular expression
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={f.caseSensitive}
                onChange={(e) => set({ caseSensitive: e.target.checked })}
              />{" "}
              Match case
            </label>
          </>
        )}
        {kind === "priceChange" && (
          <>
            <label className="field">
              <span>Change by</span>
              <select
                value={f.mode}
                onChange={(e) => set({ mode: e.target.value as "percent" | "amount" })}
              >
                <option value="percent">Percent (%)</option>
                <option value="amount">Amount</option>
              </select>
            </label>
            <label className="field">
              <span>Value (negative lowers)</span>
              <input
                name="price-value"
                inputMode="decimal"
                value={f.value}
                onChange={(e) => set({ value: e.target.value })}
              />
            </label>
            <label className="field">
              <span>Rounding</span>
              <select
                value={f.rounding}
                onChange={(e) => set({ rounding: e.target.value as typeof f.rounding })}
              >
                <option value="none">None</option>
                <option value="nearest">Nearest whole</option>
                <option value="up">Up</option>
                <option value="down">Down</option>
                <option value="99">End in .99</option>
              </select>
              {f.rounding !== "none" && (
                <small className="muted">
                  Rounding keeps the direction of the change: a cut never ends above the old price,
                  a rise never below it.
                </small>
              )}
            </label>
            <label className="field">
              <span>Never below</span>
              <input
                inputMode="decimal"
                placeholder="no floor"
                value={f.floor}
                onChange={(e) => set({ floor: e.target.value })}
              />
            </label>
          </>
        )}
        {kind === "setField" && (
          <>
            <label className="field">
              <span>Field</span>
              <select
                value={f.setField}
                onChange={(e) =>
                  set({
                    setField: e.target.value as typeof f.setField,
                    setValue:
                      e.target.value === "status"
                        ? "active"
                        : e.target.value === "offerShipping"
                          ? "true"
                          : "",
                  })
                }
              >
                {SET_FIELDS.map((x) => (
                  <option key={x} value={x}>
                    {x}
                  </option>
                ))}
              </select>
            </label>
            {f.setField === "status" ? (
              <label className="field">
                <span>Value</span>
                <select value={f.setValue} onChange={(e) => set({ setValue: e.target.value })}>
                  <option>active</option>
                  <option>draft</option>
                  <option>archived</option>
                </select>
              </label>
            ) : f.setField === "offerShipping" ? (
              <label className="field">
                <span>Value</span>
                <select value={f.setValue} onChange={(e) => set({ setValue: e.target.value })}>
                  <option value="true">Yes</option>
                  <option value="false">No</option>
                </select>
              </label>
            ) : (
              <label className="field">
                <span>Value</span>
                <input
                  name="set-value"
                  value={f.setValue}
                  onChange={(e) => set({ setValue: e.target.value })}
                />
              </label>
            )}
          </>
        )}
        {kind === "applyTemplate" && (
          <label className="field">
            <span>Template</span>
            <select value={f.templateId} onChange={(e) => set({ templateId: e.target.value })}>
              {templates.length === 0 && <option value="">No templates yet</option>}
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {kind === "duplicate" && (
          <p className="muted">
            Creates a draft copy of every listing in scope (SKUs are cleared to stay unique).
          </p>
        )}
        {kind === "delete" && (
          <p className="warn-text">
            Deletes every listing in scope. You can undo it from the history.
          </p>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {preview && (
        <div className="preview" data-testid="bulk-preview">
          <p>
            <strong>{preview.changed.toLocaleString()}</strong> of{" "}
            {preview.matched.toLocaleString()} listing(s) will change
            {preview.rejectedCount
              ? `; ${preview.rejectedCount.toLocaleString()} would be rejected`
              : ""}
            .
          </p>
          {preview.rejected.length > 0 && (
            <ul className="small warn-text" data-testid="bulk-rejected">
              {preview.rejected.slice(0, 5).map((r) => (
                <li key={r.id}>{plainIssueList(r.message)}</li>
              ))}
            </ul>
          )}
          {preview.sample.length > 0 && (
            <table className="data small">
              <thead>
                <tr>
                  <th scope="col">Listing</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {preview.sample.slice(0, 10).map((s) => (
                  <tr key={s.id}>
                    <td className="ellipsis">{s.title}</td>
                    <td className="before">
                      {Object.entries(s.before ?? {})
                        .filter(([k]) => k !== "version")
                        .map(([k, v]) => `${k}: ${fmt(v)}`)
                        .join(", ") || "—"}
                    </td>
                    <td className="after">
                      {Object.entries(s.after ?? {})
                        .filter(([k]) => k !== "version")
                        .map(([k, v]) => `${k}: ${fmt(v)}`)
                        .join(", ") || "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </Dialog>
  );
}
