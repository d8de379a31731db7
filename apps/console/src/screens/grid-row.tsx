import { memo } from "react";
import { type Column, cellText, cellWarnings, type Row } from "../lib/columns";

interface Props {
  index: number;
  row: Row | undefined;
  cols: Column[];
  top: number;
  gutter: number;
  width: number;
  selC0: number;
  selC1: number;
  activeC: number;
  titleLimit?: number;
  pending: boolean;
  conflict: boolean;
  onMouseDown: (r: number, c: number, shift: boolean) => void;
  onDoubleClick: (r: number, c: number) => void;
}

/** One virtualised row; memoised so scrolling re-renders only rows that entered the window. */
export const GridRow = memo(function GridRow(p: Props) {
  const { row, index } = p;
  const rowWarnings = row?.warnings?.length ?? 0;
  return (
    <div
      className={`gr${index % 2 ? " odd" : ""}${p.pending ? " pending" : ""}${p.conflict ? " conflict" : ""}${p.selC0 >= 0 ? " in-sel" : ""}`}
      role="row"
      aria-rowindex={index + 2}
      style={{ transform: `translateY(${p.top}px)`, width: p.width }}
    >
      <div
        className="gc gutter"
        role="rowheader"
        style={{ width: p.gutter }}
        title={rowWarnings ? row?.warnings?.map((w) => w.message).join("\n") : undefined}
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
      {!row && (
        // One placeholder per unloaded row keeps fast scrolling over unfetched pages cheap.
        <div className="gc loading" role="gridcell" style={{ width: p.width - p.gutter }}>
          <span className="skeleton" />
        </div>
      )}
      {row &&
        p.cols.map((c, ci) => {
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
              className={`gc${c.align === "right" ? " right" : ""}${selected ? " sel" : ""}${active ? " active" : ""}${warns.length ? " invalid" : ""}${c.readOnly ? " ro" : ""}`}
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
              style={{ width: c.width }}
              onMouseDown={(e) => {
                if (e.button === 0) {
                  e.preventDefault();
                  p.onMouseDown(index, ci, e.shiftKey);
                }
              }}
              onDoubleClick={() => p.onDoubleClick(index, ci)}
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
