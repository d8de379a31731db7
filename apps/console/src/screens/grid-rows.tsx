import { memo, type ReactNode, useEffect, useSyncExternalStore } from "react";
import type { Column } from "../lib/columns";
import type { RowCache } from "../lib/row-cache";
import { GridRow } from "./grid-row";

/** Row height in px (fixed, so a row index maps to a scroll offset). */
export const ROW_H = 30;
/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 8;
/** The rendered window moves in steps of this many rows (at most OVERSCAN). */
const SCROLL_STEP = 4;

/**
 * The grid's vertical scroll offset, rounded down to whole window steps. Only the rows subscribe
 * to it, so scrolling never re-renders the toolbar, header or status bar.
 */
export class ScrollStore {
  private value = 0;
  private readonly listeners = new Set<() => void>();
  readonly get = () => this.value;
  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
  /** Records a raw scrollTop; listeners hear only when the rendered window has to move. */
  set(scrollTop: number): void {
    const q = Math.floor(scrollTop / (ROW_H * SCROLL_STEP)) * ROW_H * SCROLL_STEP;
    if (q === this.value) return;
    this.value = q;
    for (const l of this.listeners) l();
  }
}

/** First and last row index rendered for a (quantised) scroll offset and viewport height. */
export function rowWindow(scrollTop: number, viewH: number, total: number) {
  const visibleCount = Math.ceil(viewH / ROW_H) + 1;
  const top = Math.floor(scrollTop / ROW_H);
  return {
    first: Math.max(0, top - OVERSCAN),
    last: Math.min(Math.max(0, total - 1), top + visibleCount + SCROLL_STEP + OVERSCAN),
    // DOM rows are keyed by slot (index modulo slots), so the window needs that many at most.
    slots: visibleCount + SCROLL_STEP + 2 * OVERSCAN + 2,
  };
}

interface Props {
  store: ScrollStore;
  viewH: number;
  total: number;
  cache: RowCache;
  /** Changes whenever rows in the cache change (the cache itself is mutable). */
  version: number;
  /** Changes when every visible page must be fetched again. */
  reload: number;
  cols: Column[];
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  activeR: number;
  activeC: number;
  titleLimit?: number;
  pending: ReadonlySet<string>;
  conflictIds: ReadonlySet<string>;
  /** Rows with an edit that failed to save and waits for a retry. */
  unsavedIds?: ReadonlySet<string>;
  /** Asks for the rows in [first, last]; returns a cancel for a fetch not yet started. */
  onWindow: (first: number, last: number) => (() => void) | undefined;
}

/** The rendered window of rows; subscribes to the scroll position on its own. */
export const GridRows = memo(function GridRows(p: Props) {
  const scrollTop = useSyncExternalStore(p.store.subscribe, p.store.get);
  const { first, last, slots } = rowWindow(scrollTop, p.viewH, p.total);
  const { onWindow, reload } = p;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload forces a refetch
  useEffect(() => onWindow(first, last), [onWindow, first, last, reload]);
  if (p.total <= 0) return null;
  // Rows are keyed by slot, not index: scrolling reuses the same DOM rows with new content
  // instead of unmounting and mounting a screenful of cells every frame.
  const rows: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    const row = p.cache.get(i);
    // Rows not fetched yet have no DOM: the body's background draws their placeholders, so
    // scrolling across unfetched pages changes nothing on the page but the scroll offset.
    if (!row) continue;
    const inRows = i >= p.r0 && i <= p.r1;
    rows.push(
      <GridRow
        key={i % slots}
        index={i}
        row={row}
        cols={p.cols}
        top={i * ROW_H}
        selC0={inRows ? p.c0 : -1}
        selC1={inRows ? p.c1 : -1}
        activeC={p.activeR === i ? p.activeC : -1}
        titleLimit={p.titleLimit}
        pending={p.pending.has(row.id)}
        conflict={p.conflictIds.has(row.id)}
        unsaved={p.unsavedIds?.has(row.id) ?? false}
      />,
    );
  }
  return rows;
});
