import { memo } from "react";
import { type Column, cellText, cellWarnings, type Row } from "../lib/columns";

interface Props {
  index: number;
  row: Row;
  cols: Column[];
  top: number;
  selC0: number;
  selC1: number;
  activeC: number;
  titleLimit?: number;
  pending: boolean;
  conflict: boolean;
  /** An edit of this row failed to save and waits for a retry. */
  unsaved?: boolean;
}

/** Class that gives a column's cells their width (see `columnWidthCss`). */
export const widthClass = (c: Column) => `w-${c.key}`;

/**
 * One stylesheet rule per column width, so cells carry a shared class instead of an inline style:
 * cells of a column then share one computed style and a new row costs no style parsing.
 */
export function columnWidthCss(cols: Column[], gutter: number): string {
  let css = `.grid .w-gutter{width:${gutter}px}`;
  for (const c of cols) css += `.grid .${widthClass(c)}{width:${c.width}px}`;
  return css;
}

/** The row whose number a pointer event landed on (row headers carry `rowhead-{row}` ids). */
export function rowHeaderAt(target: EventTarget | null): number | null {
  const el = (target as Element | null)?.closest?.(".gutter[id^='rowhead-']");
  const m = el ? /^rowhead-(\d+)$/.exec(el.id) : null;
  return m ? Number(m[1]) : null;
}

/** Where a pointer event landed in grid coordinates (cells carry `cell-{row}-{col}` ids). */
export function cellAt(target: EventTarget | null): { r: number; c: number } | null {
  const el = (target as Element | null)?.closest?.(".gc[id^='cell-']");
  const m = el ? /^cell-(\d+)-(\d+)$/.exec(el.id) : null;
  return m ? { r: Number(m[1]), c: Number(m[2]) } : null;
}

/**
 * One virtualised row; memoised so scrolling re-renders only rows that entered the window. Pointer
 * events are handled once on the grid body (see `cellAt`), not per cell.
 */
export const GridRow = memo(function GridRow(p: Props) {
  const { row, index } = p;
  const rowWarnings = row.warnings?.length ?? 0;
  return (
    <div
      className={`gr${index % 2 ? " odd" : ""}${p.pending ? " pending" : ""}${p.conflict ? " conflict" : ""}${p.unsaved ? " unsaved" : ""}${p.selC0 >= 0 ? " in-sel" : ""}`}
      role="row"
      aria-rowindex={index + 2}
      style={{ top: p.top }}
    >
      <div
        id={`rowhead-${index}`}
        className="gc gutter w-gutter"
        role="rowheader"
        title={rowWarnings ? row.warnings?.map((w) => w.message).join("\n") : undefined}
      >
        {index + 1}
        {rowWarnings > 0 && (
          <span
            className="warn-dot"
            role="img"
            aria-label={`${rowWarnings} marketplace issue${rowWarnings > 1 ? "s" : ""}`}
          >
            {rowWarnings}
          </span>
        )}
      </div>
      {p.cols.map((c, ci) => {
        const selected = ci >= p.selC0 && ci <= p.selC1;
        const active = ci === p.activeC;
        const warns = cellWarnings(row, c);
        const text = cellText(row, c);
        const over =
          c.key === "title" && p.titleLimit !== undefined && row.title.length > p.titleLimit;
        return (
          <div
            key={c.key}
            id={`cell-${index}-${ci}`}
            className={`gc ${widthClass(c)}${c.align === "right" ? " right" : ""}${selected ? " sel" : ""}${active ? " active" : ""}${warns.length ? " invalid" : ""}${c.readOnly ? " ro" : ""}`}
            role="gridcell"
            aria-selected={selected}
            aria-invalid={warns.length > 0 || undefined}
            title={
              warns.length
                ? warns.map((w) => w.message).join("\n")
                : c.kind === "longtext" || text.length > 30
                  ? text
                  : undefined
            }
          >
            {c.kind === "status" ? (
              <span className={`pill pill-${row.status}`}>{row.status}</span>
            ) : c.kind === "bool" ? (
              <span className={row.offerShipping ? "yes" : "muted"}>{text}</span>
            ) : (
              <span className="txt">
                {c.kind === "longtext" ? text.replace(/\s+/g, " ") : text}
              </span>
            )}
            {c.key === "title" && p.titleLimit !== undefined && (
              <span className={`counter${over ? " over" : ""}`}>
                {row.title.length}/{p.titleLimit}
              </span>
            )}
            {warns.length > 0 && (
              <span className="sr-only">Invalid: {warns.map((w) => w.message).join("; ")}</span>
            )}
          </div>
        );
      })}
    </div>
  );
});
