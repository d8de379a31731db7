import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Column, ColumnPrefs } from "../lib/columns";

/** Show/hide, reorder and size columns by keyboard or mouse; changes are saved per seller. */
export function ColumnsMenu(props: {
  available: Column[];
  prefs: Partial<ColumnPrefs>;
  onChange: (p: Partial<ColumnPrefs>) => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLFieldSetElement>(null);
  // The owner passes a new `onClose` with each render (every change made here re-renders it): the
  // listener reads the latest through a ref, so the focus is given to the first control only as
  // the menu opens, never taken back from the control in use.
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useEffect(() => {
    ref.current?.querySelector("input")?.focus();
    const onDown = (e: MouseEvent) => {
      if (
        ref.current &&
        !ref.current.contains(e.target as Node) &&
        !(e.target as HTMLElement).closest(".popover-anchor")
      )
        onClose.current();
    };
    addEventListener("mousedown", onDown);
    return () => removeEventListener("mousedown", onDown);
  }, []);
  // Closed from the keyboard (Esc, Done), the menu takes the focused control with it and the
  // keyboard would land on the page body: it goes back to the button that opens the menu. Run
  // before the menu leaves the page, while it still holds the focus; a click outside has already
  // moved the focus elsewhere, and it stays there.
  useLayoutEffect(() => {
    const el = ref.current;
    return () => {
      if (!el?.contains(document.activeElement)) return;
      el.closest(".popover-anchor")?.querySelector<HTMLElement>(":scope > button")?.focus();
    };
  }, []);
  const hidden = new Set(props.prefs.hidden ?? []);
  const order = props.prefs.order ?? [];
  const sorted = [...props.available].sort((a, b) => {
    const ra = order.indexOf(a.key);
    const rb = order.indexOf(b.key);
    return (
      (ra === -1 ? 1000 + props.available.indexOf(a) : ra) -
      (rb === -1 ? 1000 + props.available.indexOf(b) : rb)
    );
  });
  const moveBy = (key: string, d: number) => {
    const keys = sorted.map((c) => c.key);
    const i = keys.indexOf(key);
    const j = i + d;
    if (j < 0 || j >= keys.length) return;
    [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
    props.onChange({ ...props.prefs, order: keys });
  };
  return (
    <fieldset
      className="popover"
      ref={ref}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          props.onClose();
        }
      }}
    >
      <legend className="sr-only">Columns</legend>
      <ul className="col-list">
        {sorted.map((c, i) => (
          <li key={c.key}>
            <label>
              <input
                type="checkbox"
                checked={!hidden.has(c.key)}
                onChange={(e) => {
                  const h = new Set(hidden);
                  e.target.checked ? h.delete(c.key) : h.add(c.key);
                  props.onChange({ ...props.prefs, hidden: [...h] });
                }}
              />
              {c.label}
            </label>
            <span className="col-actions">
              <WidthInput
                label={`${c.label} width`}
                value={props.prefs.widths?.[c.key] ?? c.width}
                onChange={(w) =>
                  props.onChange({
                    ...props.prefs,
                    widths: { ...(props.prefs.widths ?? {}), [c.key]: w },
                  })
                }
              />
              <button
                type="button"
                className="btn ghost icon"
                aria-label={`Move ${c.label} up`}
                disabled={i === 0}
                onClick={() => moveBy(c.key, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                className="btn ghost icon"
                aria-label={`Move ${c.label} down`}
                disabled={i === sorted.length - 1}
                onClick={() => moveBy(c.key, 1)}
              >
                ↓
              </button>
            </span>
          </li>
        ))}
      </ul>
      <div className="popover-foot">
        <button type="button" className="btn ghost" onClick={() => props.onChange({})}>
          Reset layout
        </button>
        <button type="button" className="btn" onClick={props.onClose}>
          Done
        </button>
      </div>
    </fieldset>
  );
}

/**
 * A column width box. It shows what is being typed, even while that is not a width yet ("2" on the
 * way to "200"), and applies each value in range as it comes; leaving it shows the width in force.
 */
function WidthInput(props: { label: string; value: number; onChange: (w: number) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      type="number"
      aria-label={props.label}
      min={48}
      max={900}
      step={10}
      value={draft ?? props.value}
      onChange={(e) => {
        setDraft(e.target.value);
        const w = Number(e.target.value);
        if (e.target.value.trim() !== "" && w >= 48 && w <= 900) props.onChange(w);
      }}
      onBlur={() => setDraft(null)}
    />
  );
}
