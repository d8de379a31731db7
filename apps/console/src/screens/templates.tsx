import { type FormEvent, useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { api, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { ALL_COLUMNS, parseCell, parsePrice } from "../lib/columns";
import { errorMessage } from "../lib/save-logic";

type Template = Outputs["templates"]["list"]["items"][number];

const FIELDS = [
  ["status", "Status"],
  ["condition", "Condition"],
  ["category", "Category"],
  ["currency", "Currency"],
  ["price", "Price"],
  ["quantity", "Quantity"],
  ["offerShipping", "Offers shipping"],
  ["description", "Description"],
] as const;

type FieldKey = (typeof FIELDS)[number][0];

/** Templates manager: named sets of field values that bulk actions apply to many listings. */
export function TemplatesScreen() {
  const app = useApp();
  const [items, setItems] = useState<Template[] | null>(null);
  const [editing, setEditing] = useState<Template | "new" | null>(null);
  const load = useCallback(() => {
    api.templates.list
      .query()
      .then((r) => setItems(r.items))
      .catch((err) => app.toast("error", errorMessage(err)));
  }, [app]);
  useEffect(load, [load]);
  const remove = async (t: Template) => {
    if (!confirm(`Delete template "${t.name}"?`)) return;
    try {
      await api.templates.remove.mutate({ id: t.id });
      app.toast("success", "Template deleted");
      load();
    } catch (err) {
      app.toast("error", errorMessage(err));
    }
  };
  return (
    <div className="page">
      <div className="page-head">
        <h1>Templates</h1>
        <button type="button" className="btn primary" onClick={() => setEditing("new")}>
          New template
        </button>
      </div>
      <p className="muted">
        Apply a template to a selection from <strong>Bulk actions</strong> in the listings grid.
      </p>
      {editing && (
        <TemplateForm
          // A form per template: Edit on another one while this one is open starts afresh from it.
          key={editing === "new" ? "new" : editing.id}
          template={editing === "new" ? null : editing}
          onDone={() => {
            setEditing(null);
            load();
          }}
        />
      )}
      {!items ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty-inline">No templates yet.</p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Sets</th>
              <th scope="col">Used</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.id}>
                <td>
                  <strong>{t.name}</strong>
                  {t.description && <div className="muted small">{t.description}</div>}
                </td>
                <td className="small">
                  {Object.entries(t.fields as Record<string, unknown>)
                    .map(([k, v]) => `${k}: ${String(v)}`)
                    .join(" · ")}
                </td>
                <td>{t.useCount}</td>
                <td className="small">{new Date(t.updatedAt).toLocaleString()}</td>
                <td className="actions">
                  {t.mine && (
                    <button type="button" className="btn small" onClick={() => setEditing(t)}>
                      Edit
                    </button>
                  )}
                  {t.mine && (
                    <button
                      type="button"
                      className="btn small danger-ghost"
                      onClick={() => void remove(t)}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const QUANTITY = ALL_COLUMNS.find((c) => c.key === "quantity");

/** A quantity as a grid cell reads it ("1,000" too), or null for anything else. */
function wholeNumber(text: string): number | null {
  const p = QUANTITY && parseCell(QUANTITY, text);
  return p?.ok && typeof p.patch.quantity === "number" ? p.patch.quantity : null;
}

function TemplateForm({ template, onDone }: { template: Template | null; onDone: () => void }) {
  const app = useApp();
  const initial = (template?.fields ?? {}) as Record<string, unknown>;
  const [name, setName] = useState(template?.name ?? "");
  const [description, setDescription] = useState(template?.description ?? "");
  const [on, setOn] = useState<Record<string, boolean>>(
    Object.fromEntries(FIELDS.map(([k]) => [k, k in initial])),
  );
  const [vals, setVals] = useState<Record<string, string>>(
    Object.fromEntries(
      FIELDS.map(([k]) => [
        k,
        initial[k] === undefined || initial[k] === null
          ? k === "status"
            ? "active"
            : k === "offerShipping"
              ? "true"
              : ""
          : String(initial[k]),
      ]),
    ),
  );
  const [error, setError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  // The keyboard goes to the first field as the form opens, and back to what opened it (New
  // template, or the row's Edit) when it closes, instead of falling to the page body.
  useLayoutEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    nameRef.current?.focus();
    const form = formRef.current;
    return () => {
      // Only when the keyboard was in the form (Save, Cancel), not once the seller moved on.
      const at = document.activeElement;
      const inForm = !at || at === document.body || !!form?.contains(at);
      if (inForm && opener?.isConnected && opener !== document.body) opener.focus();
    };
  }, []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, unknown> = {};
    for (const [k, label] of FIELDS) {
      if (!on[k]) continue;
      const v = vals[k] ?? "";
      // Read as the grid reads a cell ("12,99" is a price). Number() would make a blank box 0,
      // a template that zeroes the price or stock of every listing it is applied to.
      if (k === "price" || k === "quantity") {
        const n = k === "price" ? parsePrice(v) : wholeNumber(v);
        if (n === null) {
          setError(
            `${label}: ${k === "price" ? "enter a price (e.g. 19.99)" : "enter a whole number"}`,
          );
          return;
        }
        fields[k] = n;
      } else if (k === "offerShipping") fields[k] = v === "true";
      else if (k === "currency") fields[k] = v.trim().toUpperCase();
      else fields[k] = v === "" && (k === "condition" || k === "category") ? null : v;
    }
    setError(null);
    try {
      if (template)
        await api.templates.update.mutate({ id: template.id, name, description, fields });
      else await api.templates.create.mutate({ name, description, fields });
      app.toast("success", "Template saved");
      onDone();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const input = (k: FieldKey) =>
    k === "status" ? (
      <select
        value={vals[k]}
        onChange={(e) => setVals({ ...vals, [k]: e.target.value })}
        aria-label="Status value"
      >
        <option>active</option>
        <option>draft</option>
        <option>archived</option>
      </select>
    ) : k === "offerShipping" ? (
      <select
        value={vals[k]}
        onChange={(e) => setVals({ ...vals, [k]: e.target.value })}
        aria-label="Shipping value"
      >
        <option value="true">Yes</option>
        <option value="false">No</option>
      </select>
    ) : (
      <input
        value={vals[k]}
        aria-label={`${k} value`}
        onChange={(e) => setVals({ ...vals, [k]: e.target.value })}
      />
    );
  return (
    <form ref={formRef} className="card form" onSubmit={submit}>
      <h2>{template ? "Edit template" : "New template"}</h2>
      <label className="field">
        <span>Name</span>
        <input
          ref={nameRef}
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <label className="field">
        <span>Description</span>
        <input
          maxLength={1000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </label>
      <fieldset className="template-fields">
        <legend>Fields it sets</legend>
        {FIELDS.map(([k, label]) => (
          <div key={k} className="tf-row">
            <label className="check">
              <input
                type="checkbox"
                checked={!!on[k]}
                onChange={(e) => setOn({ ...on, [k]: e.target.checked })}
              />{" "}
              {label}
            </label>
            {on[k] && input(k)}
          </div>
        ))}
      </fieldset>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="row-gap">
        <button type="submit" className="btn primary">
          Save
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
