/** The most rows an action takes as a selection (by id); beyond it, only the filter. */
export const MAX_SELECTED_ROWS = 100_000;

/** What a dialog can offer for the grid's selected range when it acts on "these rows". */
export type SelectionScope = {
  /** How many rows the selected range covers (0 for none), even when too many to list. */
  selectedRows: number;
  /** The range holds more rows than can be sent as a selection, so no ids were listed. */
  tooMany: boolean;
  /** The range is too large but covers every listing matching the filter: the filter is the same set. */
  selectionIsFilter: boolean;
  /**
   * The scope to start with: the selection when it was listed, none when the range is too large
   * and the filter reaches rows the seller did not select (they must choose), else the filter.
   */
  initial: "selection" | "filter" | null;
};

/**
 * Reads the selection a dialog was opened with. A range too large to send as a selection never
 * falls back silently to the whole filter: only when it covers every listing matching the filter
 * is the filter the same set; otherwise the seller must choose, knowing it reaches more rows.
 */
export function selectionScope(
  selectedIds: readonly string[] | null,
  selectedRows: number | undefined,
  total: number,
): SelectionScope {
  const rows = selectedRows ?? selectedIds?.length ?? 0;
  const tooMany = !selectedIds?.length && rows > MAX_SELECTED_ROWS;
  const selectionIsFilter = tooMany && rows >= total;
  return {
    selectedRows: rows,
    tooMany,
    selectionIsFilter,
    initial: selectedIds?.length ? "selection" : tooMany && !selectionIsFilter ? null : "filter",
  };
}

/** "(100,001: too many, at most 100,000 can be exported as a selection)" for a range too large. */
export function tooManySelectedLabel(selectedRows: number, done: string): string {
  return `(${selectedRows.toLocaleString()}: too many, at most ${MAX_SELECTED_ROWS.toLocaleString()} can be ${done} as a selection)`;
}

/** What follows "All N matching the current filter": whether that is the selection or more. */
export function filterScopeSuffix(scope: SelectionScope): string {
  if (scope.selectionIsFilter) return " (the rows you selected)";
  if (scope.tooMany) return ` (not only the ${scope.selectedRows.toLocaleString()} you selected)`;
  return "";
}
