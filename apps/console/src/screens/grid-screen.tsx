import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
} from "react";
import { flushSync } from "react-dom";
import { api, type Inputs } from "../api/client";
import { useApp } from "../app-context";
import { blockPatches, clearPatches, type RowPatch, tileBlock } from "../lib/block-edit";
import {
  ALL_COLUMNS,
  type Column,
  type ColumnPrefs,
  cellText,
  columnsFor,
  layoutColumns,
  MARKETPLACE_LABEL,
  MARKETPLACES,
  type Marketplace,
  parseCell,
  parsePrice,
  type Row,
  TITLE_LIMIT,
} from "../lib/columns";
import {
  afterCommit,
  clickCell,
  clickRowHeader,
  type GridSel,
  initialSel,
  isImeKey,
  isRange,
  keyCommand,
  selRect,
} from "../lib/grid-model";
import { PAGE_SIZE, RowCache } from "../lib/row-cache";
import {
  applyPatch,
  type Conflict,
  errorCode,
  errorMessage,
  keepMineRequest,
  optimisticSave,
  RowSaveQueue,
  rowErrorMessage,
  type SaveRequest,
} from "../lib/save-logic";
import { parseTsv, toTsv } from "../lib/tsv";
import { takesTyping } from "../lib/typing-target";
import { type UndoEntry, UndoStack } from "../lib/undo-stack";
import { BulkDialog, MAX_SELECTED_ROWS } from "./bulk-dialog";
import { ColumnsMenu } from "./columns-menu";
import { ConflictPanel } from "./conflict-panel";
import { ExportDialog } from "./export-dialog";
import { cellAt, columnWidthCss, rowHeaderAt } from "./grid-row";
import { GridRows, ROW_H, rowWindow, ScrollStore } from "./grid-rows";
import { HistoryPanel } from "./history-panel";
import { keptForRetry, UNSAVED_PANEL_ID, type UnsavedEdit, UnsavedPanel } from "./unsaved-panel";

export { ROW_H };

const HEADER_H = 32;
const GUTTER_W = 64;
const BULK_CHUNK = 10_000;

/**
 * Values an undo took out of the unsaved panel from one listing's entry: `edit` holds only those
 * fields, `base` the row they were typed on, `at` where the entry was, `whole` whether the entry
 * went with them.
 */
interface DroppedUnsaved {
  edit: UnsavedEdit;
  base: Row | undefined;
  at: number;
  whole: boolean;
}

/** The entries of `o` under the given keys. */
function pick<T>(o: Record<string, T>, keys: string[]): Record<string, T> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k] as T]));
}

/** Tells one open editor from another (the same cell reopened counts as another). */
function editorKey(e: { row: Row; col: string; opened?: number }): string {
  return `${e.row.id}-${e.col}-${e.opened ?? 0}`;
}

/** Words one request of a bulk save by the number of rows it carries ("Paste 50×1 cells"). */
type PartSummary = (rows: number) => string;

type Sort = NonNullable<Inputs["listings"]["list"]["sort"]>;
type Status = "draft" | "active" | "archived";

interface Filters {
  q: string;
  status: "" | Status;
  category: string;
  condition: string;
  priceMin: string;
  priceMax: string;
}

const emptyFilters: Filters = {
  q: "",
  status: "",
  category: "",
  condition: "",
  priceMin: "",
  priceMax: "",
};

const asRow = (x: unknown) => x as Row;

/** Filter state → the list procedure's filter input. */
function filterInput(f: Filters) {
  // Read as the price cells are, so "9,99" bounds the list instead of being ignored.
  const num = (s: string) => (s.trim() === "" ? undefined : (parsePrice(s) ?? undefined));
  return {
    ...(f.q.trim() ? { q: f.q.trim() } : {}),
    ...(f.status ? { status: [f.status] } : {}),
    ...(f.category.trim() ? { category: f.category.trim() } : {}),
    ...(f.condition.trim() ? { condition: f.condition.trim() } : {}),
    ...(num(f.priceMin) !== undefined ? { priceMin: num(f.priceMin) } : {}),
    ...(num(f.priceMax) !== undefined ? { priceMax: num(f.priceMax) } : {}),
  };
}

const PRICE_COLUMN = ALL_COLUMNS.find((c) => c.key === "price");

/**
 * Why a price filter's text bounds nothing, in the words a price cell uses for it ("1.000" could
 * be one or a thousand); null when it is blank or read as a price.
 */
function priceFilterError(text: string): string | null {
  if (text.trim() === "" || !PRICE_COLUMN) return null;
  const p = parseCell(PRICE_COLUMN, text);
  return p.ok ? null : p.message;
}

const SORTABLE: Record<string, [Sort, Sort]> = {
  title: ["title:asc", "title:desc"],
  price: ["price:asc", "price:desc"],
  updatedAt: ["updatedAt:desc", "updatedAt:asc"],
};

/** The cells a patch changes on a row, as the grid shows them. */
function changedValues(cols: Column[], base: Row, patch: Record<string, unknown>) {
  const after = applyPatch(base, patch);
  return cols
    .filter((c) => !c.readOnly && cellText(after, c) !== cellText(base, c))
    .map((c) => ({ field: c.label, text: cellText(after, c) }));
}

/** "A", "A and B", "A, B and C". */
function joinLabels(labels: string[]): string {
  return labels.length < 2
    ? (labels[0] ?? "")
    : `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}`;
}

/**
 * What a clear of a range left as it was, e.g. "Title and Price can't be empty; left as they
 * were", or null when it cleared every cell it covered.
 */
function keptOnClear(skipped: Column[]): string | null {
  const uniq = (cs: Column[]) => [...new Set(cs.map((c) => c.label))];
  const required = uniq(skipped.filter((c) => !c.readOnly));
  const readOnly = uniq(skipped.filter((c) => c.readOnly));
  const parts: string[] = [];
  if (required.length)
    parts.push(
      `${joinLabels(required)} can't be empty; left as ${required.length > 1 ? "they were" : "it was"}`,
    );
  if (readOnly.length)
    parts.push(`${joinLabels(readOnly)} ${readOnly.length > 1 ? "are" : "is"} read-only`);
  return parts.length ? parts.join("; ") : null;
}

/** Where a listing is among the rows a cache holds, or undefined when it holds it nowhere. */
function rowOf(cache: RowCache, id: string): number | undefined {
  const at = cache.indexOf(id);
  return at !== undefined && cache.get(at)?.id === id ? at : undefined;
}

/** Listings by id, read 150 at a time so the GET URLs stay short. */
async function listByIds(
  ids: string[],
  extra: Partial<Inputs["listings"]["list"]> = {},
): Promise<Row[]> {
  const rows: Row[] = [];
  for (let i = 0; i < ids.length; i += 150) {
    const chunk = ids.slice(i, i + 150);
    const res = await api.listings.list.query({ ...extra, ids: chunk, limit: chunk.length });
    rows.push(...res.items.map(asRow));
  }
  return rows;
}

/** The listings grid: virtualised, server-paged, keyboard-first, with bulk edits and undo. */
export function GridScreen() {
  const app = useApp();
  const savedCols = (app.prefs.columns ?? {}) as Partial<ColumnPrefs>;
  const [colPrefs, setColPrefs] = useState<Partial<ColumnPrefs>>(savedCols);
  const [marketplace, setMarketplace] = useState<Marketplace>(
    MARKETPLACES.includes(app.prefs.marketplace as Marketplace)
      ? (app.prefs.marketplace as Marketplace)
      : "generic",
  );
  const [sort, setSort] = useState<Sort>("updatedAt:desc");
  const [filters, setFilters] = useState<Filters>(emptyFilters);
  const [appliedFilters, setAppliedFilters] = useState<Filters>(emptyFilters);
  const [sel, setSel] = useState<GridSel>(initialSel);
  /**
   * The open cell editor: where it sits, the text it opened with, and the listing it edits (rows
   * can move under it when a refetch re-sorts them, so the save goes by id, not by position).
   */
  const [editing, setEditing] = useState<{
    r: number;
    /** The column it edits, by key: columns can move, show or hide while it is open. */
    col: string;
    text: string;
    row: Row;
    /** Tells an editor reopened on the same cell from the one that just closed there. */
    opened?: number;
    /** Why the text it holds was not saved (a value the column cannot take). */
    error?: string;
    /** False when it reopened after the seller moved to something outside the grid. */
    focus?: boolean;
  } | null>(null);
  const scrollStore = useRef(new ScrollStore()).current;
  const [viewH, setViewH] = useState(600);
  const [version, bump] = useReducer((n: number) => n + 1, 0);
  const [reload, setReload] = useState(0);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [conflicts, setConflicts] = useState<Conflict[]>([]);
  const [unsaved, setUnsaved] = useState<UnsavedEdit[]>([]);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [historyTick, setHistoryTick] = useState(0);
  const [bulkOpen, setBulkOpen] = useState(false);
  const [exportOpen, setExportOpen] = useState(false);
  const [colsOpen, setColsOpen] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [firstLoad, setFirstLoad] = useState(true);
  const scrollRef = useRef<HTMLDivElement>(null);
  const undo = useRef(new UndoStack()).current;
  const rowSaves = useRef(new RowSaveQueue()).current;
  /**
   * Commits the open cell editor's current text (set by the editor while it is mounted); true
   * when the editor stays open instead, holding a value its column cannot take.
   */
  const editorCommit = useRef<(() => boolean) | null>(null);
  /**
   * The text typed into the open editor so far, by the editor's key: an editor whose column goes
   * away closes without committing itself, and its text is saved from here.
   */
  const editorText = useRef<{ key: string; text: string } | null>(null);
  const [, setUndoSizes] = useState(undo.sizes());

  const cols = useMemo(
    () => layoutColumns(columnsFor(marketplace), colPrefs),
    [marketplace, colPrefs],
  );
  const filterArgs = useMemo(() => filterInput(appliedFilters), [appliedFilters]);
  // Judged once typing pauses (as the filter is applied), so "1." on the way to "1.5" is not flagged.
  const priceMinError = priceFilterError(appliedFilters.priceMin);
  const priceMaxError = priceFilterError(appliedFilters.priceMax);
  const queryKey = JSON.stringify({ filterArgs, sort, marketplace });
  const cache = useMemo(() => new RowCache(queryKey), [queryKey]);
  const cacheRef = useRef(cache);
  cacheRef.current = cache;
  const total = cache.total ?? 0;
  const titleLimit = TITLE_LIMIT[marketplace];
  const totalWidth = GUTTER_W + cols.reduce((s, c) => s + c.width, 0);

  const listArgs = useCallback(
    (offset: number, limit: number, includeTotal: boolean) => ({
      ...filterArgs,
      sort,
      offset,
      limit,
      ...(marketplace !== "generic" ? { marketplace } : {}),
      ...(includeTotal ? { includeTotal: true } : {}),
    }),
    [filterArgs, sort, marketplace],
  );

  // Search as you type, without a request per keystroke.
  useEffect(() => {
    const t = setTimeout(() => setAppliedFilters(filters), 250);
    return () => clearTimeout(t);
  }, [filters]);

  // New query: back to the top. An open editor stays open with what the seller typed (one held
  // open on a value its column cannot take is the usual case: the search box took the focus from
  // it); it edits its listing by id, and is drawn on that listing's row once the rows arrive.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the query changes
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    scrollStore.set(0);
    setSel(initialSel);
  }, [queryKey]);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    setViewH(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  /** Fetches the given pages of the current cache (one batched HTTP request). */
  const fetchPages = useCallback(
    async (c: RowCache, pages: number[], withTotal: boolean) => {
      await Promise.all(
        pages.map(async (p, i) => {
          c.markLoading(p);
          try {
            const res = await api.listings.list.query(
              listArgs(p * PAGE_SIZE, PAGE_SIZE, withTotal && i === 0),
            );
            if (typeof res.total === "number") {
              c.total = res.total;
              c.totalStale = false;
            }
            c.fill(p, res.items.map(asRow));
          } catch (err) {
            c.unmark(p);
            throw err;
          }
        }),
      );
    },
    [listArgs],
  );

  // Load what is on screen (called by the rows whenever their window moves); the first page of a
  // query also asks for the total. Pages load once scrolling pauses for a moment.
  const loadWindow = useCallback(
    (first: number, last: number) => {
      const c = cache;
      const needTotal = c.total === null || c.totalStale;
      const pages = needTotal
        ? [0, ...c.missingPages(first, last).filter((p) => p !== 0)]
        : c.missingPages(first, last);
      if (!pages.length && !needTotal) return;
      const t = setTimeout(
        () => {
          fetchPages(c, needTotal ? pages.filter((p, i) => i === 0 || p !== 0) : pages, needTotal)
            .then(() => {
              if (cacheRef.current === c) {
                setFirstLoad(false);
                bump();
              }
            })
            .catch((err) => app.toast("error", `Could not load listings: ${errorMessage(err)}`));
        },
        needTotal ? 0 : 60,
      );
      return () => clearTimeout(t);
    },
    [cache, fetchPages, app],
  );

  const pushUndo = (changeSetId: string | null | undefined, label: string, rowIds?: string[]) => {
    if (!changeSetId) return;
    undo.push({ changeSetId, label, ...(rowIds?.length ? { rowIds } : {}) });
    setUndoSizes(undo.sizes());
    setHistoryTick((n) => n + 1);
  };

  /** Marks everything stale after a server-side change and refetches what is visible. */
  const refreshAll = useCallback(() => {
    cacheRef.current.invalidate();
    // Not `total = null`: that would empty the grid (and lose the scroll position) until the
    // refetch answers.
    cacheRef.current.totalStale = true;
    setReload((n) => n + 1);
    setHistoryTick((n) => n + 1);
  }, []);

  /** Re-reads rows (with marketplace warnings) after a save; in chunks to keep GET URLs short. */
  const refreshRows = useCallback(
    async (ids: string[]) => {
      const c = cacheRef.current;
      const rows = await listByIds(ids, marketplace !== "generic" ? { marketplace } : {});
      for (const r of rows) c.replace(r);
      bump();
    },
    [marketplace],
  );

  const setPendingIds = (ids: string[], on: boolean) =>
    setPending((prev) => {
      const next = new Set(prev);
      for (const id of ids) on ? next.add(id) : next.delete(id);
      return next;
    });

  const show = (row: Row) => {
    cacheRef.current.replace(row);
    bump();
  };

  const updateRequest = (req: SaveRequest) =>
    api.listings.update
      .mutate({ id: req.id, version: req.version, ...req.patch } as Inputs["listings"]["update"])
      .then(asRow) as Promise<Row & { changeSetId: string | null }>;

  /**
   * Settles once every undo and redo asked for so far has been answered and has queued the
   * re-read of the rows it changed (null when none is running). The undo mutation answers only
   * "ok", so until those rows are read again the grid holds versions the server no longer has.
   */
  const undoing = useRef<Promise<void> | null>(null);
  const trackUndo = (op: Promise<unknown>) => {
    const next = Promise.all([undoing.current, op.catch(() => undefined)]).then(() => undefined);
    undoing.current = next;
    void next.then(() => {
      if (undoing.current === next) undoing.current = null;
    });
  };
  /**
   * Waits for the undos and redos asked for before an edit (not later ones, which wait for the
   * edit), then gives the row as the grid holds it now: the re-read after the undo carries the
   * version the server has, so the edit is not refused as a conflict with the seller's own undo.
   */
  const afterUndos = async (row: Row): Promise<Row> => {
    const gate = undoing.current;
    if (!gate) return row;
    await gate;
    const c = cacheRef.current;
    const at = c.indexOf(row.id);
    const now = at === undefined ? undefined : c.get(at);
    return now?.id === row.id && now.version > row.version ? now : row;
  };
  /**
   * Re-reads the listings an undone or redone change set touched, in the same queue as edits: an
   * edit of one of them waits for the re-read and is sent with the version it brought.
   */
  const rereadAfterUndo = (e: UndoEntry) => {
    const c = cacheRef.current;
    // The rows on screen are the ones an edit can reach before the refetch of their page arrives:
    // they stand in for a change set made elsewhere (a bulk action, rows unknown here), and bound
    // the re-read of a large paste to a few requests.
    const w = rowWindow(scrollStore.get(), viewH, c.total ?? 0);
    const onScreen: string[] = [];
    for (let i = w.first; i <= w.last; i++) {
      const r = c.get(i);
      if (r) onScreen.push(r.id);
    }
    const touched = new Set(e.rowIds ?? []);
    const ids = !touched.size
      ? onScreen
      : touched.size > 500
        ? onScreen.filter((id) => touched.has(id))
        : [...touched];
    if (!ids.length) return;
    const rows = ids.map((id) => {
      const at = c.indexOf(id);
      return { id, version: (at === undefined ? undefined : c.get(at))?.version ?? 0 };
    });
    void rowSaves.runMany(rows, async () => {
      const versions = new Map<string, number | null>();
      try {
        const found = await listByIds(ids, marketplace !== "generic" ? { marketplace } : {});
        for (const r of found) {
          // An answer for a query the grid has since left is of no use to its new cache.
          if (cacheRef.current === c) c.replace(r);
          versions.set(r.id, r.version);
        }
        bump();
      } catch {
        // The refetch of the visible pages that follows every undo reads them again.
      }
      return { result: undefined, versions };
    });
  };

  /**
   * Saves one cell optimistically; a conflict goes to the conflict panel, never lost. Saves of the
   * same row are queued so a quick second edit is sent with the version the first one produced.
   */
  const saveOne = (row: Row, patch: Record<string, unknown>, label: string) =>
    // An undo pressed while this is on its way waits for it (its change set comes first).
    undo.track(saveOneNow(row, patch, label));
  const saveOneNow = async (given: Row, patch: Record<string, unknown>, label: string) => {
    setPendingIds([given.id], true);
    // After an undo or redo asked for before this edit, so it goes on the row as that left it;
    // shown meanwhile, like an edit waiting for an earlier save of its row.
    if (undoing.current) show(applyPatch(given, patch));
    const row = undoing.current ? await afterUndos(given) : given;
    // A queued edit shows at once, not only when its turn to be sent comes.
    const queued = rowSaves.busy(row.id);
    if (queued) show(applyPatch(row, patch));
    const res = await rowSaves.run(row.id, row.version, async (version) => {
      // `row` showed the earlier saves' values as if saved. Once they are answered the grid holds
      // the outcome (the server's row, or the row taken back after a failure); this edit goes on
      // top of that, so a failure here does not bring back an earlier value that was never saved.
      const c = cacheRef.current;
      const at = queued ? c.indexOf(row.id) : undefined;
      const now = at === undefined ? undefined : c.get(at);
      const base = now?.id === row.id ? now : row;
      const r = await optimisticSave({ ...base, version }, patch, updateRequest, show);
      return { result: r, version: r.ok ? r.row.version : null };
    });
    if (!rowSaves.busy(row.id)) setPendingIds([row.id], false);
    if (res.ok) {
      pushUndo(res.changeSetId, label, [row.id]);
      // A value saved since supersedes the one a failed save of the same cell left to retry.
      setUnsaved((us) => withoutSaved(us, row.id, patch));
      forgetDroppedSaved(row.id, patch);
      if (marketplace !== "generic" && res.changeSetId) void refreshRows([row.id]);
    } else if (res.conflict) {
      const conflict = res.conflict;
      // Two quick edits of one row can both be refused; the panel keeps every value typed.
      setConflicts((cs) => {
        const old = cs.find((c) => c.rowId === conflict.rowId);
        // The first edit's starting row is the one both edits were made from.
        const merged = old
          ? {
              ...conflict,
              mine: { ...old.mine, ...conflict.mine },
              base: old.base ?? conflict.base,
            }
          : conflict;
        return [...cs.filter((c) => c.rowId !== conflict.rowId), merged];
      });
      app.toast(
        "error",
        "Someone else changed this listing. Your value is kept in the conflict panel.",
      );
    } else {
      // The cell shows the listing as saved; what the seller typed stays in the panel to retry.
      const failed = res.failure.message;
      const code = res.failure.kind === "error" ? res.failure.code : undefined;
      keepUnsaved([{ row, patch, label, message: failed, code }]);
      app.toast("error", `Not saved: ${failed} — ${keptForRetry(1)}`, showUnsaved);
    }
  };

  /**
   * Keeps edits the server did not save in the unsaved panel, one entry per listing (a later
   * failed edit of the same listing adds its fields to the entry there).
   */
  const keepUnsaved = (
    failed: {
      row: Row;
      patch: Record<string, unknown>;
      label: string;
      message: string;
      code?: string;
      /** The bulk save it was part of (see `bulkSaveOf`); none for a single edit. */
      op?: number;
    }[],
  ) => {
    if (!failed.length) return;
    setUnsaved((us) => {
      const byId = new Map(us.map((u) => [u.rowId, u]));
      for (const f of failed) {
        const old = byId.get(f.row.id);
        const merged = { ...(old?.patch ?? {}), ...f.patch };
        const from = { ...(old?.from ?? {}) };
        for (const k of Object.keys(f.patch))
          if (f.op === undefined) delete from[k];
          else from[k] = f.op;
        const base = old ? (unsavedBase.current.get(f.row.id) ?? f.row) : f.row;
        unsavedBase.current.set(f.row.id, base);
        // Re-inserted, so the newest failure comes last.
        byId.delete(f.row.id);
        byId.set(f.row.id, {
          rowId: f.row.id,
          title: base.title,
          label: f.label,
          patch: merged,
          values: changedValues(cols, base, merged),
          message: f.message,
          ...(f.code ? { code: f.code } : {}),
          ...(Object.keys(from).length ? { from } : {}),
        });
      }
      return [...byId.values()];
    });
  };

  /** A toast's way to the unsaved panel: brings it into view with the keyboard on it. */
  const showUnsaved = {
    label: "Show unsaved",
    run: () => {
      const el = document.getElementById(UNSAVED_PANEL_ID);
      el?.scrollIntoView?.({ block: "nearest" });
      el?.focus({ preventScroll: true });
    },
  };

  /** The row each unsaved edit was made on, to name the cells it changes. */
  const unsavedBase = useRef(new Map<string, Row>());
  /** Numbers each bulk save request, so the values it left unsaved can be told from others'. */
  const bulkSaves = useRef(0);
  /** The bulk save each change set came from (a save over 10,000 rows makes several). */
  const bulkSaveOf = useRef(new Map<string, number>());
  /** The unsaved edits as last drawn, for an undo finishing after the render that showed them. */
  const unsavedNow = useRef(unsaved);
  unsavedNow.current = unsaved;
  /**
   * What each undo took out of the unsaved panel, by change set: the values its save left there
   * are part of the step, so a redo of it puts them back.
   */
  const droppedByUndo = useRef(new Map<string, DroppedUnsaved[]>());
  /**
   * Takes out of the unsaved panel the values a bulk save left there once its change set is
   * undone: they belong to the step the seller took back, and Retry must not re-apply part of it.
   * Gives how many listings had such values.
   */
  const dropUndoneUnsaved = (changeSetId: string): number => {
    const op = bulkSaveOf.current.get(changeSetId);
    if (op === undefined) return 0;
    const leftBy = (u: UnsavedEdit) => Object.keys(u.patch).some((k) => u.from?.[k] === op);
    const n = unsavedNow.current.filter(leftBy).length;
    setUnsaved((us) => {
      // React may run this twice (StrictMode): the second run finds here the bases the first
      // one already took out of `unsavedBase`.
      const before = droppedByUndo.current.get(changeSetId) ?? [];
      const dropped: DroppedUnsaved[] = [];
      const next = us.flatMap((u, at) => {
        const from = u.from ?? {};
        const keep = Object.keys(u.patch).filter((k) => from[k] !== op);
        if (keep.length === Object.keys(u.patch).length) return [u];
        const gone = Object.keys(u.patch).filter((k) => from[k] === op);
        dropped.push({
          edit: { ...u, patch: pick(u.patch, gone), from: pick(from, gone) },
          base:
            unsavedBase.current.get(u.rowId) ?? before.find((d) => d.edit.rowId === u.rowId)?.base,
          at,
          whole: !keep.length,
        });
        if (!keep.length) {
          unsavedBase.current.delete(u.rowId);
          return [];
        }
        const patch = Object.fromEntries(keep.map((k) => [k, u.patch[k]]));
        const rest = Object.fromEntries(Object.entries(from).filter(([k]) => k in patch));
        const base = unsavedBase.current.get(u.rowId);
        return [
          {
            ...u,
            patch,
            values: base ? changedValues(cols, base, patch) : u.values,
            from: rest,
          },
        ];
      });
      if (dropped.length) droppedByUndo.current.set(changeSetId, dropped);
      else droppedByUndo.current.delete(changeSetId);
      return next;
    });
    return n;
  };
  /**
   * Puts back in the unsaved panel the values the undo of a change set took out, once it is
   * redone, with the bulk save they were left by (a second undo takes them out again). A value
   * kept for the same cell since is newer and stays. Gives how many listings got values back.
   */
  const restoreRedoneUnsaved = (changeSetId: string): number => {
    const back = droppedByUndo.current.get(changeSetId) ?? [];
    droppedByUndo.current.delete(changeSetId);
    const fresh = (d: DroppedUnsaved, us: UnsavedEdit[]) => {
      const old = us.find((u) => u.rowId === d.edit.rowId);
      return Object.keys(d.edit.patch).filter((k) => !old || !(k in old.patch));
    };
    const n = back.filter((d) => fresh(d, unsavedNow.current).length).length;
    if (!back.length) return 0;
    setUnsaved((us) => {
      const next = [...us];
      // In the order they were in, each edit taken out whole at the place it had.
      for (const d of [...back].sort((a, b) => a.at - b.at)) {
        const add = fresh(d, next);
        if (!add.length) continue;
        const i = next.findIndex((u) => u.rowId === d.edit.rowId);
        const old = next[i];
        if (!old) {
          if (d.base) unsavedBase.current.set(d.edit.rowId, d.base);
          const edit = d.base
            ? { ...d.edit, values: changedValues(cols, d.base, d.edit.patch) }
            : d.edit;
          next.splice(d.whole ? Math.min(d.at, next.length) : next.length, 0, edit);
          continue;
        }
        const patch = { ...old.patch, ...pick(d.edit.patch, add) };
        const from = { ...(old.from ?? {}), ...pick(d.edit.from ?? {}, add) };
        const base = unsavedBase.current.get(old.rowId) ?? d.base;
        next[i] = {
          ...old,
          patch,
          from,
          values: base ? changedValues(cols, base, patch) : old.values,
        };
      }
      return next;
    });
    return n;
  };
  /** Drops from the unsaved edits of a row the fields a later save of it has saved. */
  const withoutSaved = (us: UnsavedEdit[], rowId: string, saved: Record<string, unknown>) => {
    if (!us.some((u) => u.rowId === rowId)) return us;
    return us.flatMap((u) => {
      if (u.rowId !== rowId) return [u];
      const rest = Object.fromEntries(Object.entries(u.patch).filter(([k]) => !(k in saved)));
      if (!Object.keys(rest).length) {
        unsavedBase.current.delete(rowId);
        return [];
      }
      const base = unsavedBase.current.get(rowId);
      return [{ ...u, patch: rest, values: base ? changedValues(cols, base, rest) : u.values }];
    });
  };
  /**
   * A value saved for a cell supersedes the one an undo took out of the panel for it, as it does
   * the one waiting there: a redo must not bring back a value older than what was saved since.
   */
  const forgetDroppedSaved = (rowId: string, saved: Record<string, unknown>) => {
    for (const [id, list] of droppedByUndo.current) {
      if (!list.some((d) => d.edit.rowId === rowId)) continue;
      const left = list.flatMap((d) => {
        if (d.edit.rowId !== rowId) return [d];
        const keys = Object.keys(d.edit.patch).filter((k) => !(k in saved));
        if (!keys.length) return [];
        const edit = {
          ...d.edit,
          patch: pick(d.edit.patch, keys),
          from: pick(d.edit.from ?? {}, keys),
        };
        return [{ ...d, edit }];
      });
      if (left.length) droppedByUndo.current.set(id, left);
      else droppedByUndo.current.delete(id);
    }
  };
  /** Sends a failed edit again, on the listing as the grid holds it now. */
  const retryUnsaved = async (u: UnsavedEdit) => {
    setUnsaved((us) => us.filter((x) => x.rowId !== u.rowId));
    const base = unsavedBase.current.get(u.rowId);
    unsavedBase.current.delete(u.rowId);
    const c = cacheRef.current;
    const at = c.indexOf(u.rowId);
    const now = at === undefined ? undefined : c.get(at);
    const row = now?.id === u.rowId ? now : base;
    if (!row) return;
    await saveOne(row, u.patch, u.label);
  };
  /** Sends every failed edit again in one bulk save, each on its listing as the grid holds it. */
  const retryAllUnsaved = async () => {
    const list = unsaved;
    setUnsaved([]);
    const c = cacheRef.current;
    const patches: RowPatch[] = [];
    for (const u of list) {
      const base = unsavedBase.current.get(u.rowId);
      unsavedBase.current.delete(u.rowId);
      const at = c.indexOf(u.rowId);
      const now = at === undefined ? undefined : c.get(at);
      const row = now?.id === u.rowId ? now : base;
      if (row) patches.push({ index: at ?? -1, row, patch: u.patch });
    }
    await saveMany(
      patches,
      "retry",
      `Retry ${patches.length} unsaved edit(s)`,
      (n) => `Retry ${n} unsaved edit(s)`,
    );
  };
  const dismissUnsaved = (u: UnsavedEdit) => {
    setUnsaved((us) => us.filter((x) => x.rowId !== u.rowId));
    unsavedBase.current.delete(u.rowId);
  };

  /** Makes sure rows [r0, r1] are loaded (paste/fill on rows scrolled far away). */
  const ensureRows = async (r0: number, r1: number) => {
    const c = cacheRef.current;
    // Pages a scroll is still fetching are not "missing" but have no rows yet: wait for them (one
    // that fails is missing again, and is fetched below).
    await c.loaded(r0, r1);
    const pages = c.missingPages(r0, r1);
    if (!pages.length) return;
    // Contiguous missing pages are fetched five at a time (500 rows, the list maximum).
    const groups: number[][] = [];
    for (const p of pages) {
      const g = groups.at(-1);
      if (g && g.at(-1) === p - 1 && g.length < 5) g.push(p);
      else groups.push([p]);
    }
    await Promise.all(
      groups.map(async (g) => {
        const first = g[0] ?? 0;
        for (const p of g) c.markLoading(p);
        try {
          const res = await api.listings.list.query(
            listArgs(first * PAGE_SIZE, g.length * PAGE_SIZE, false),
          );
          g.forEach((p, k) => {
            c.fill(p, res.items.slice(k * PAGE_SIZE, (k + 1) * PAGE_SIZE).map(asRow));
          });
        } catch (err) {
          for (const p of g) c.unmark(p);
          throw err;
        }
      }),
    );
    bump();
  };

  /**
   * Applies many row patches as one bulkUpsert (one change set per 10k rows). `summary` names the
   * whole save; `part` words one request of it by its number of rows, for a save sent as several.
   */
  const saveMany = (patches: RowPatch[], kind: string, summary: string, part?: PartSummary) =>
    undo.track(saveManyNow(patches, kind, summary, part));
  const saveManyNow = async (
    given: RowPatch[],
    kind: string,
    summary: string,
    part?: PartSummary,
  ) => {
    if (!given.length) return;
    const c = cacheRef.current;
    let patches = given;
    if (undoing.current) {
      for (const p of patches) c.replace({ ...p.row, ...p.patch } as Row);
      bump();
      const rows = await Promise.all(patches.map((p) => afterUndos(p.row)));
      patches = patches.map((p, i) => ({ ...p, row: rows[i] ?? p.row }));
    }
    // Shown at once, even while rows of it wait for an edit of theirs still on its way.
    for (const p of patches) c.replace({ ...p.row, ...p.patch } as Row);
    bump();
    setPendingIds(
      patches.map((p) => p.row.id),
      true,
    );
    // In the same queue as single edits: each row is sent after its earlier saves, with the
    // version they produced, so the seller's own edits never come back as conflicts.
    await rowSaves.runMany(
      patches.map((p) => ({ id: p.row.id, version: p.row.version })),
      async (versions) => {
        const saved = new Map<string, number | null>();
        await sendMany(
          patches.map((p) => ({
            ...p,
            row: { ...p.row, version: versions.get(p.row.id) ?? p.row.version },
          })),
          kind,
          summary,
          saved,
          part,
        );
        return { result: undefined, versions: saved };
      },
    );
  };
  /** Sends a bulk save; `saved` receives the new version of every row the server saved. */
  const sendMany = async (
    patches: RowPatch[],
    kind: string,
    summary: string,
    saved: Map<string, number | null>,
    part?: PartSummary,
  ) => {
    const c = cacheRef.current;
    const parts = Math.ceil(patches.length / BULK_CHUNK);
    /**
     * What the request starting at patch `i` is called in the undo history and on its change set.
     * Each request is its own change set, undone by its own Ctrl+Z, so it names the rows it carried
     * rather than the whole save's.
     */
    const labelAt = (i: number) => {
      if (parts <= 1) return summary;
      const rows = Math.min(BULK_CHUNK, patches.length - i);
      const k = Math.floor(i / BULK_CHUNK) + 1;
      return `${part ? part(rows) : summary} (part ${k} of ${parts})`;
    };
    const ids = patches.map((p) => p.row.id);
    for (const p of patches) c.replace({ ...p.row, ...p.patch } as Row);
    bump();
    setPendingIds(ids, true);
    /** Patches the server has answered for; a failure after them takes back only the rest. */
    let answered = 0;
    /**
     * Rows the server refused (not conflicts), kept in the unsaved panel to retry, each with the
     * number of the request it was refused in: a save over 10,000 rows makes one change set a
     * request, and undoing one takes out of the panel only the values refused beside it.
     */
    const rowFailures: {
      p: RowPatch;
      message: string;
      code?: string;
      op: number;
      label: string;
    }[] = [];
    try {
      for (let i = 0; i < patches.length; i += BULK_CHUNK) {
        const chunk = patches.slice(i, i + BULK_CHUNK);
        const op = ++bulkSaves.current;
        const label = labelAt(i);
        const res = await api.listings.bulkUpsert.mutate({
          rows: chunk.map((p) => ({ id: p.row.id, version: p.row.version, ...p.patch })),
          matchBy: "id",
          kind,
          summary: label.slice(0, 200),
        });
        answered = i + chunk.length;
        const conflictIds: string[] = [];
        const failures: string[] = [];
        const savedIds: string[] = [];
        for (const r of res.results) {
          const p = chunk[r.index];
          if (!p) continue;
          if ((r.status === "updated" || r.status === "unchanged") && r.version !== undefined) {
            saved.set(p.row.id, r.version);
            savedIds.push(p.row.id);
            // The row may have been redrawn from an earlier save's answer meanwhile.
            const at = c.indexOf(p.row.id);
            const cur = at === undefined ? undefined : c.get(at);
            if (cur && cur.id === p.row.id)
              c.replace({ ...cur, ...p.patch, version: r.version } as Row);
          } else if (r.status === "error") {
            if (r.error?.code === "VERSION_CONFLICT") conflictIds.push(p.row.id);
            else {
              c.replace(p.row);
              const message = rowErrorMessage(r.error);
              failures.push(message);
              rowFailures.push({ p, message, code: r.error?.code, op, label });
            }
          }
        }
        pushUndo(res.changeSetId, label, savedIds);
        if (res.changeSetId) bulkSaveOf.current.set(res.changeSetId, op);
        // A value saved now supersedes the one an earlier failed save of the cell left to retry.
        if (savedIds.length) {
          const done = new Map(chunk.map((p) => [p.row.id, p.patch]));
          setUnsaved((us) =>
            savedIds.reduce((acc, id) => withoutSaved(acc, id, done.get(id) ?? {}), us),
          );
          for (const id of savedIds) forgetDroppedSaved(id, done.get(id) ?? {});
        }
        if (conflictIds.length) {
          // Every conflicting row is read back (in chunks, to keep GET URLs short) so none keeps
          // showing an unsaved value with a version the server no longer has.
          const found = await listByIds(conflictIds);
          const byId = new Map(chunk.map((p) => [p.row.id, p]));
          for (const t of found) c.replace(t);
          // A row the server no longer returns (deleted meanwhile) goes back to what it was.
          const seen = new Set(found.map((t) => t.id));
          for (const id of conflictIds) {
            const p = byId.get(id);
            if (p && !seen.has(id)) c.replace(p.row);
          }
          setConflicts((cs) => [
            ...cs.filter((x) => !conflictIds.includes(x.rowId)),
            ...found.map((t) => ({
              rowId: t.id,
              mine: byId.get(t.id)?.patch ?? {},
              theirs: t,
              base: byId.get(t.id)?.row,
            })),
          ]);
          app.toast(
            "error",
            `${conflictIds.length} row(s) were changed by someone else; see the conflict panel`,
          );
        }
        if (failures.length)
          app.toast(
            "error",
            `${failures.length} row(s) not saved: ${failures[0]} — ${keptForRetry(failures.length)}`,
            showUnsaved,
          );
        else if (res.updated > 0) app.toast("success", `${res.updated} listing(s) updated`);
      }
      if (marketplace !== "generic") void refreshRows(ids);
    } catch (err) {
      const lost = patches.slice(answered);
      for (const p of lost) c.replace(p.row);
      const message = errorMessage(err);
      const code = errorCode(err);
      // Never applied, so in no change set: no undo takes them out of the panel.
      const op = ++bulkSaves.current;
      lost.forEach((p, j) => {
        const at = answered + j;
        rowFailures.push({ p, message, code, op, label: labelAt(at - (at % BULK_CHUNK)) });
      });
      if (!lost.length)
        app.toast("error", `Saved, but conflicting rows could not be read back: ${message}`);
      else
        app.toast(
          "error",
          `${answered === 0 ? "Not saved" : `${lost.length} row(s) not saved`}: ${message} — ${keptForRetry(lost.length)}`,
          showUnsaved,
        );
    } finally {
      // Each row keeps its values in the unsaved panel; Retry sends that row again on its own.
      keepUnsaved(
        rowFailures.map(({ p, message, code, op, label }) => ({
          row: p.row,
          patch: p.patch,
          label: `${label} ("${p.row.title.slice(0, 40)}")`,
          message,
          code,
          op,
        })),
      );
      setPendingIds(ids, false);
      bump();
    }
  };

  const rect = selRect(sel);

  const startEdit = (initial?: string) => {
    const col = cols[sel.active.c];
    const row = cache.get(sel.active.r);
    if (!col || !row) return;
    if (col.readOnly) {
      app.toast("info", `${col.label} is read-only`);
      return;
    }
    setEditing({ r: sel.active.r, col: col.key, text: initial ?? cellText(row, col), row });
  };

  /**
   * Closes the editor and saves its text. A value the column cannot take (e.g. "12,99" where a
   * price is expected) is not dropped: the editor stays open on its cell with the text as typed and
   * the reason, as a spreadsheet does, however the seller left it (Enter, Tab, a click elsewhere);
   * then this returns true so the caller leaves the cursor there. `focus` is false when the seller
   * moved to something outside the grid: the editor then stays open without taking the keyboard.
   */
  const commitEdit = (
    text: string,
    key: "Enter" | "Tab" | "none",
    shift = false,
    focus = true,
  ): boolean => {
    const e = editing;
    // The listing the editor was opened on, as the grid holds it now, wherever it is now.
    const at = e ? cache.indexOf(e.row.id) : undefined;
    const now = at === undefined ? undefined : cache.get(at);
    const row = e && now?.id === e.row.id ? now : e?.row;
    const ec = e ? cols.findIndex((c) => c.key === e.col) : -1;
    const col = cols[ec];
    const changed = !!(e && row && col && text !== cellText(row, col));
    const { patches, problems } =
      e && row && changed
        ? blockPatches([[text]], { r: 0, c: ec }, cols, () => row, 1)
        : { patches: [], problems: [] };
    const problem = problems[0];
    if (problem) app.toast("error", problem.message);
    if (e && row && problem) {
      // On the listing's row when the grid has it; else it stays where it is drawn, naming it.
      if (at !== undefined) {
        const back = { r: at, c: ec };
        setSel({ active: back, anchor: back, editing: false });
        scrollIntoView({ active: back, anchor: back, editing: false });
      }
      setEditing({
        ...e,
        r: at ?? e.r,
        text,
        row,
        opened: (e.opened ?? 0) + 1,
        error: problem.message,
        focus,
      });
      return true;
    }
    setEditing(null);
    // Enter/Tab move the cursor like the arrow keys do, so it must stay in view the same way;
    // from the listing's row as it is now, should the rows have moved under the editor. A listing
    // no longer among the rows has no row to move on from: the cursor stays where it is.
    if (key !== "none" && (!e || at !== undefined)) {
      const from = e && at !== undefined ? { r: at, c: ec } : undefined;
      const next = afterCommit(
        from ? { active: from, anchor: from, editing: false } : sel,
        key,
        shift,
        total,
        cols.length,
      );
      setSel(next);
      scrollIntoView(next);
    }
    scrollRef.current?.focus({ preventScroll: true });
    const p = patches[0];
    if (row && col && p)
      void saveOne(row, p.patch, `Edit ${col.label} of "${row.title.slice(0, 40)}"`);
    return false;
  };

  const doUndo = async () => {
    const run = undo.undo(async (x) => {
      await api.changeSets.undo.mutate({ id: x.changeSetId });
      rereadAfterUndo(x);
    });
    trackUndo(run);
    try {
      const e = await run;
      setUndoSizes(undo.sizes());
      if (e) {
        const dropped = dropUndoneUnsaved(e.changeSetId);
        app.toast(
          "info",
          dropped
            ? `Undone: ${e.label}, with the ${dropped} row(s) of it left in the unsaved panel`
            : `Undone: ${e.label}`,
        );
        refreshAll();
      } else app.toast("info", "Nothing to undo");
    } catch (err) {
      app.toast("error", `Undo refused: ${errorMessage(err)}`);
    }
  };
  const doRedo = async () => {
    const run = undo.redo(async (x) => {
      await api.changeSets.redo.mutate({ id: x.changeSetId });
      rereadAfterUndo(x);
    });
    trackUndo(run);
    try {
      const e = await run;
      setUndoSizes(undo.sizes());
      if (e) {
        const back = restoreRedoneUnsaved(e.changeSetId);
        app.toast(
          "info",
          back
            ? `Redone: ${e.label}, with the ${back} row(s) of it back in the unsaved panel`
            : `Redone: ${e.label}`,
        );
        refreshAll();
      } else app.toast("info", "Nothing to redo");
    } catch (err) {
      app.toast("error", `Redo refused: ${errorMessage(err)}`);
    }
  };

  /**
   * Undoes or redoes a change set picked in the history panel the way Ctrl+Z does: an edit made
   * meanwhile waits, and the listings it touched are read again before one of them is sent.
   */
  const undoFromHistory = async (id: string, action: "undo" | "redo") => {
    const entry = undo.find(id) ?? { changeSetId: id, label: "" };
    const run = (async () => {
      if (action === "undo") await api.changeSets.undo.mutate({ id });
      else await api.changeSets.redo.mutate({ id });
      if (action === "undo") dropUndoneUnsaved(id);
      else restoreRedoneUnsaved(id);
      rereadAfterUndo(entry);
    })();
    trackUndo(run);
    await run;
  };

  const fillDown = () => undo.track(fillDownNow());
  const fillDownNow = async () => {
    const r = rect;
    const src = r.r0 === r.r1 ? r.r0 - 1 : r.r0;
    const from = r.r0 === r.r1 ? r.r0 : r.r0 + 1;
    if (src < 0 || from > r.r1) return;
    setBusy("Filling…");
    try {
      await ensureRows(src, r.r1);
      const srcRow = cache.get(src);
      if (!srcRow) return;
      const line = cols.slice(r.c0, r.c1 + 1).map((c) => cellText(srcRow, c));
      const block = Array.from({ length: r.r1 - from + 1 }, () => line);
      const { patches, problems } = blockPatches(
        block,
        { r: from, c: r.c0 },
        cols,
        (i) => cache.get(i),
        total,
      );
      if (problems.length) app.toast("error", problems[0]?.message ?? "Some cells were skipped");
      await saveMany(
        patches,
        "fill-down",
        `Fill down ${patches.length} row(s)`,
        (n) => `Fill down ${n} row(s)`,
      );
    } finally {
      setBusy(null);
    }
  };

  const clearCells = () => undo.track(clearCellsNow());
  const clearCellsNow = async () => {
    const r = rect;
    setBusy("Clearing…");
    try {
      // A range can reach rows never scrolled to; they must be loaded to be cleared too.
      try {
        await ensureRows(r.r0, r.r1);
      } catch (err) {
        app.toast("error", `Not cleared: ${errorMessage(err)}`);
        return;
      }
      const { patches, problems } = clearPatches(r, cols, (i) => cache.get(i));
      if (problems.length && !patches.length) {
        app.toast("error", problems[0]?.message ?? "Nothing to clear");
        return;
      }
      // Cells the range covered but could not clear are named, so the seller does not take them
      // for cleared.
      const kept = keptOnClear(problems.map((p) => cols[p.c]).filter((c) => c !== undefined));
      if (kept) app.toast("info", kept);
      if (patches.length === 1 && patches[0]) {
        const p = patches[0];
        await saveOne(p.row, p.patch, `Clear cells of "${p.row.title.slice(0, 40)}"`);
      } else
        await saveMany(
          patches,
          "clear",
          `Clear ${patches.length} row(s)`,
          (n) => `Clear ${n} row(s)`,
        );
    } finally {
      setBusy(null);
    }
  };

  /**
   * Pastes a TSV block at the selection; over a selected range that is a whole multiple of the
   * block (a single value into many cells, two rows into six) the block is repeated to fill it.
   */
  const pasteText = (text: string) => undo.track(pasteTextNow(text));
  const pasteTextNow = async (text: string) => {
    let block: string[][];
    try {
      block = parseTsv(text);
    } catch (err) {
      app.toast("error", errorMessage(err));
      return;
    }
    if (!block.length || !total) return;
    const single = block.length === 1 && block[0]?.length === 1;
    // Over a larger selection the block repeats, when it fits a whole number of times.
    if (isRange(sel)) block = tileBlock(block, rect);
    const at = { r: rect.r0, c: rect.c0 };
    const endRow = Math.min(total - 1, at.r + block.length - 1);
    setBusy(`Pasting ${block.length} row(s)…`);
    const c = cacheRef.current;
    // Rows already loaded show the pasted values while the rest of the block is fetched; the
    // save below still sends every row with the version it was loaded at.
    const originals = new Map<number, Row>();
    try {
      if (c.missingPages(at.r, endRow).length) {
        for (const p of blockPatches(block, at, cols, (i) => c.get(i), total).patches) {
          originals.set(p.index, p.row);
          c.replace({ ...p.row, ...p.patch } as Row);
        }
        if (originals.size) bump();
      }
      try {
        await ensureRows(at.r, endRow);
      } catch (err) {
        for (const row of originals.values()) c.replace(row);
        bump();
        app.toast("error", `Not pasted: ${errorMessage(err)}`);
        return;
      }
      const { patches, problems, clipped, clippedCols, readOnly } = blockPatches(
        block,
        at,
        cols,
        (i) => originals.get(i) ?? c.get(i),
        total,
      );
      if (problems.length)
        app.toast("error", `${problems.length} cell(s) skipped — ${problems[0]?.message}`);
      // Everything the grid had no place for is named, not only rows past the end.
      const left: string[] = [];
      if (clipped) left.push(`${clipped} row(s) past the end`);
      if (clippedCols) left.push(`${clippedCols} column(s) past the right edge`);
      for (const [label, n] of Object.entries(readOnly))
        left.push(`${n} cell(s) of ${label}, which is read-only`);
      if (left.length) app.toast("info", `Not pasted: ${left.join("; ")}`);
      setSel({
        anchor: at,
        active: {
          r: Math.min(endRow, total - 1),
          c: Math.min(cols.length - 1, at.c + Math.max(...block.map((b) => b.length)) - 1),
        },
        editing: false,
      });
      if (patches.length === 1 && patches[0] && !single) {
        await saveMany(patches, "paste", `Paste into 1 row`);
      } else if (patches.length === 1 && patches[0]) {
        const p = patches[0];
        await saveOne(p.row, p.patch, `Paste into "${p.row.title.slice(0, 40)}"`);
      } else {
        const width = block[0]?.length ?? 0;
        await saveMany(
          patches,
          "paste",
          `Paste ${block.length}×${width} cells`,
          (n) => `Paste ${n}×${width} cells`,
        );
      }
    } finally {
      setBusy(null);
    }
  };

  const selectionTsv = (r = rect): string | null => {
    if (!cache.has(r.r0, r.r1)) return null;
    const out: string[][] = [];
    for (let i = r.r0; i <= r.r1; i++) {
      const row = cache.get(i);
      if (row) out.push(cols.slice(r.c0, r.c1 + 1).map((c) => cellText(row, c)));
    }
    return toTsv(out);
  };

  // Clipboard events reach the document; act only while the grid has focus and no editor is open.
  const handlers = useRef({ pasteText, selectionTsv, ensureRows, rect, clearCells });
  handlers.current = { pasteText, selectionTsv, ensureRows, rect, clearCells };
  useEffect(() => {
    const inGrid = () => !!scrollRef.current && document.activeElement === scrollRef.current;
    const onCopy = (e: ClipboardEvent) => {
      if (!inGrid()) return;
      e.preventDefault();
      const tsv = handlers.current.selectionTsv();
      if (tsv !== null) {
        e.clipboardData?.setData("text/plain", tsv);
        app.toast("info", "Copied");
        return;
      }
      const r = handlers.current.rect;
      if (r.r1 - r.r0 > 50_000) {
        app.toast("error", "Copy at most 50,000 rows at once");
        return;
      }
      // Rows never scrolled to are fetched first; by then the copy event is over, so the text goes
      // through the async clipboard API, which can be missing (plain http) or refuse the write.
      // Either failure is reported: "Copied" is said only once the clipboard really has the text.
      void (async () => {
        try {
          await handlers.current.ensureRows(r.r0, r.r1);
        } catch (err) {
          app.toast("error", `Not copied: ${errorMessage(err)}`);
          return;
        }
        // The range that was selected when Ctrl+C was pressed, even if the cursor moved since.
        const t = handlers.current.selectionTsv(r);
        if (t === null) {
          app.toast("error", "Not copied: some rows could not be loaded");
          return;
        }
        try {
          if (!navigator.clipboard?.writeText)
            throw new Error("the browser gave no clipboard access");
          await navigator.clipboard.writeText(t);
        } catch (err) {
          // The rows are loaded now, so a second Ctrl+C copies them at once.
          app.toast("error", `Not copied: ${errorMessage(err)}. Press Ctrl+C again.`);
          return;
        }
        app.toast("info", "Copied");
      })();
    };
    // Cut: the cells go to the clipboard, then are cleared as Delete clears them (one undoable
    // step; columns that cannot be empty, such as the title, are kept as they are).
    const onCut = (e: ClipboardEvent) => {
      if (!inGrid()) return;
      e.preventDefault();
      const tsv = handlers.current.selectionTsv();
      if (tsv === null) {
        app.toast("error", "Cut takes the rows loaded on screen: copy (Ctrl+C), then Delete");
        return;
      }
      e.clipboardData?.setData("text/plain", tsv);
      void handlers.current.clearCells();
    };
    const onPaste = (e: ClipboardEvent) => {
      if (!inGrid()) return;
      e.preventDefault();
      const text = e.clipboardData?.getData("text/plain") ?? "";
      void handlers.current.pasteText(text);
    };
    document.addEventListener("copy", onCopy);
    document.addEventListener("cut", onCut);
    document.addEventListener("paste", onPaste);
    return () => {
      document.removeEventListener("copy", onCopy);
      document.removeEventListener("cut", onCut);
      document.removeEventListener("paste", onPaste);
    };
  }, [app]);

  /**
   * Opens a dialog that acts on the selected rows once every one of them is loaded. Rows never
   * scrolled to have no id yet; opened without them the dialog would find no selection and offer
   * only "all matching the filter", which reaches listings the seller did not select.
   */
  const withSelectionLoaded = async (open: () => void) => {
    const r = rect;
    if (isRange(sel) && r.r1 - r.r0 + 1 <= MAX_SELECTED_ROWS && !cacheRef.current.has(r.r0, r.r1)) {
      setBusy("Loading the selected rows…");
      try {
        await ensureRows(r.r0, r.r1);
      } catch (err) {
        app.toast("error", `Could not load the selected rows: ${errorMessage(err)}`);
        return;
      } finally {
        setBusy(null);
      }
    }
    open();
  };
  const openBulk = () => withSelectionLoaded(() => setBulkOpen(true));
  const openExport = () => withSelectionLoaded(() => setExportOpen(true));

  // Global shortcuts for this screen.
  const globals = useRef({ doUndo, doRedo, openBulk });
  globals.current = { doUndo, doRedo, openBulk };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "/" && !takesTyping(e.target)) {
        e.preventDefault();
        document.getElementById("grid-search")?.focus();
      } else if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === "h") {
        e.preventDefault();
        setHistoryOpen((o) => !o);
      } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "b") {
        e.preventDefault();
        void globals.current.openBulk();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  /**
   * Saves the text of an editor whose column is no longer among the grid's, by the column's own
   * definition; a value it cannot take is named in a toast instead.
   */
  const commitHidden = (text: string) => {
    const e = editing;
    if (!e) return;
    const col = ALL_COLUMNS.find((c) => c.key === e.col);
    const label = col?.label ?? e.col;
    const at = cache.indexOf(e.row.id);
    const now = at === undefined ? undefined : cache.get(at);
    const row = now?.id === e.row.id ? now : e.row;
    const notSaved = () =>
      app.toast(
        "info",
        `"${text}" for ${label} of "${row.title.slice(0, 40)}" was not saved: the column is no longer shown`,
      );
    if (!col || col.readOnly) {
      if (text !== e.text || e.error) notSaved();
      return;
    }
    if (text === cellText(row, col)) return;
    const { patches, problems } = blockPatches([[text]], { r: 0, c: 0 }, [col], () => row, 1);
    const p = patches[0];
    if (problems.length || !p) {
      notSaved();
      return;
    }
    void saveOne(row, p.patch, `Edit ${label} of "${row.title.slice(0, 40)}"`);
  };

  /** The row of the listing the editor edits, when the grid has it (rows re-sort under it). */
  const editAt = editing ? rowOf(cache, editing.row.id) : undefined;
  /** Where the column it edits is now (-1 when another marketplace has no such column). */
  const editC = editing ? cols.findIndex((c) => c.key === editing.col) : -1;
  // Rows re-sorted or reloaded under an open editor: the cursor (and the view) go with the
  // listing it edits, so the editor is drawn over its listing, never over another one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows the listing's cell only
  useLayoutEffect(() => {
    // Its column hidden, or not one of this marketplace's: there is no cell left to edit. What it
    // holds is committed as leaving the editor any other way does; a value the column cannot take
    // has no cell left to stay open on, so it is named as it goes and the seller can type it again.
    if (editing && editC === -1) {
      const typed = editorText.current;
      editorText.current = null;
      commitHidden(typed?.key === editorKey(editing) ? typed.text : editing.text);
      setEditing(null);
    }
    if (!editing || editAt === undefined || editC === -1) return;
    if (editAt === editing.r && sel.active.r === editAt && sel.active.c === editC) return;
    const to = { r: editAt, c: editC };
    const next = { active: to, anchor: to, editing: false };
    setEditing({ ...editing, r: editAt });
    setSel(next);
    scrollIntoView(next);
  }, [editing, editAt, editC]);

  const scrollIntoView = (s: GridSel) => {
    const el = scrollRef.current;
    if (!el) return;
    const top = s.active.r * ROW_H;
    const bodyH = el.clientHeight - HEADER_H;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_H > el.scrollTop + bodyH) el.scrollTop = top + ROW_H - bodyH;
    let x = GUTTER_W;
    for (let i = 0; i < s.active.c; i++) x += cols[i]?.width ?? 0;
    const w = cols[s.active.c]?.width ?? 0;
    if (x - GUTTER_W < el.scrollLeft) el.scrollLeft = x - GUTTER_W;
    else if (x + w > el.scrollLeft + el.clientWidth) el.scrollLeft = x + w - el.clientWidth;
  };

  const onGridKey = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (editing || e.target !== e.currentTarget) return;
    if ((e.ctrlKey || e.metaKey) && (e.key === "v" || e.key === "V")) return; // paste event handles it
    const cmd = keyCommand(
      sel,
      {
        key: e.key,
        shiftKey: e.shiftKey,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        isComposing: e.nativeEvent.isComposing,
        keyCode: e.keyCode,
      },
      total,
      cols.length,
      Math.max(1, Math.floor((viewH - HEADER_H) / ROW_H) - 1),
    );
    switch (cmd.kind) {
      case "none":
        return;
      case "copy":
        return; // the copy event fills the clipboard
      case "move":
      case "selectAll":
        e.preventDefault();
        setSel(cmd.sel);
        scrollIntoView(cmd.sel);
        return;
      case "edit":
        if (cmd.keepDefault) {
          // The IME's key must reach the editor: open it now (not after this event) so it has
          // focus when the browser delivers the composition.
          flushSync(() => startEdit(cmd.initial));
          return;
        }
        e.preventDefault();
        startEdit(cmd.initial);
        return;
      case "clear":
        e.preventDefault();
        void clearCells();
        return;
      case "fillDown":
        e.preventDefault();
        void fillDown();
        return;
      case "undo":
        e.preventDefault();
        void doUndo();
        return;
      case "redo":
        e.preventDefault();
        void doRedo();
        return;
    }
  };

  // The window of rendered rows moves in steps of SCROLL_STEP rows (the overscan covers the
  // rest), so native scrolling carries most frames without a React render.
  const onScroll = () => {
    const el = scrollRef.current;
    if (el) scrollStore.set(el.scrollTop);
  };

  const onCellMouseDown = (r: number, c: number, shift: boolean) => {
    // Commit what the editor holds now, not `editing.text` (only the text it opened with). The
    // editor commits at most once, so its blur when the grid takes focus below saves nothing more.
    // A value its column cannot take keeps the editor open on its cell, and the cursor there.
    if (editorCommit.current?.()) return;
    setSel((s) => clickCell(s, { r, c }, shift));
    scrollRef.current?.focus({ preventScroll: true });
  };
  const onCellDoubleClick = (r: number, c: number) => {
    // An editor kept open on a value its column cannot take is not replaced by another one.
    if (editing?.error) return;
    setSel({ active: { r, c }, anchor: { r, c }, editing: false });
    const col = cols[c];
    const row = cache.get(r);
    if (col && row && !col.readOnly) setEditing({ r, col: col.key, text: cellText(row, col), row });
  };

  const saveColPrefs = (next: Partial<ColumnPrefs>) => {
    setColPrefs(next);
    app.setPrefs({ columns: next });
  };

  const resizeStart = (key: string, startX: number, startW: number) => {
    const move = (ev: PointerEvent) => {
      const w = Math.max(48, Math.min(900, startW + ev.clientX - startX));
      setColPrefs((p) => ({ ...p, widths: { ...(p.widths ?? {}), [key]: w } }));
    };
    const up = () => {
      removeEventListener("pointermove", move);
      removeEventListener("pointerup", up);
      setColPrefs((p) => {
        app.setPrefs({ columns: p });
        return p;
      });
    };
    addEventListener("pointermove", move);
    addEventListener("pointerup", up);
  };

  const dragCol = useRef<string | null>(null);
  const dropOn = (target: string) => {
    const src = dragCol.current;
    dragCol.current = null;
    if (!src || src === target) return;
    const order = cols.map((c) => c.key).filter((k) => k !== src);
    order.splice(order.indexOf(target), 0, src);
    saveColPrefs({ ...colPrefs, order });
  };

  const changeMarketplace = (m: Marketplace) => {
    setMarketplace(m);
    app.setPrefs({ marketplace: m });
  };

  const resolveConflict = async (c: Conflict, choice: "mine" | "theirs") => {
    setConflicts((cs) => cs.filter((x) => x.rowId !== c.rowId));
    // The row may have been saved again since the conflict (another cell of it edited): that
    // newer version already holds theirs, and is what both choices go on from.
    const at = cacheRef.current.indexOf(c.rowId);
    const now = at === undefined ? undefined : cacheRef.current.get(at);
    const theirs = now?.id === c.rowId && now.version > c.theirs.version ? now : c.theirs;
    if (choice === "theirs") {
      show(theirs);
      if (marketplace !== "generic") void refreshRows([c.rowId]);
      return;
    }
    const req = keepMineRequest({ ...c, theirs });
    await saveOne(theirs, req.patch, `Keep my edit of "${theirs.title.slice(0, 40)}"`);
  };

  const selectedIds = (): string[] | null => {
    if (!cache.has(rect.r0, rect.r1) || rect.r1 - rect.r0 + 1 > MAX_SELECTED_ROWS) return null;
    const ids: string[] = [];
    for (let i = rect.r0; i <= rect.r1; i++) {
      const r = cache.get(i);
      if (r) ids.push(r.id);
    }
    return ids;
  };

  const conflictIds = useMemo(() => new Set(conflicts.map((c) => c.rowId)), [conflicts]);
  const unsavedIds = useMemo(() => new Set(unsaved.map((u) => u.rowId)), [unsaved]);
  const widthCss = useMemo(() => columnWidthCss(cols, GUTTER_W), [cols]);

  const editCol = cols[editC];
  let editLeft = GUTTER_W;
  for (let i = 0; i < editC; i++) editLeft += cols[i]?.width ?? 0;
  /** Its listing is not among the rows answered (not merely still loading after a new query). */
  const editAway = !!editing && editAt === undefined && cache.total !== null;
  const activeRow = cache.get(sel.active.r);
  const activeCol = cols[sel.active.c];
  const sortIndicator = (key: string) => {
    const s = SORTABLE[key];
    if (!s) return null;
    if (sort === s[0]) return key === "updatedAt" ? "↓" : "↑";
    if (sort === s[1]) return key === "updatedAt" ? "↑" : "↓";
    return null;
  };

  return (
    <div className="grid-screen">
      <div className="toolbar" role="toolbar" aria-label="Listing tools">
        <label className="search">
          <span className="sr-only">Search listings</span>
          <input
            id="grid-search"
            type="search"
            placeholder="Search title, SKU, category"
            value={filters.q}
            maxLength={200}
            onChange={(e) => setFilters({ ...filters, q: e.target.value })}
          />
        </label>
        <label className="compact">
          <span>Status</span>
          <select
            value={filters.status}
            onChange={(e) =>
              setFilters({ ...filters, status: e.target.value as Filters["status"] })
            }
          >
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="draft">Draft</option>
            <option value="archived">Archived</option>
          </select>
        </label>
        <label className="compact">
          <span className="sr-only">Category (exact)</span>
          <input
            value={filters.category}
            onChange={(e) => setFilters({ ...filters, category: e.target.value })}
            size={9}
            maxLength={500}
            placeholder="Category"
          />
        </label>
        <label className="compact">
          <span className="sr-only">Condition (exact)</span>
          <input
            value={filters.condition}
            onChange={(e) => setFilters({ ...filters, condition: e.target.value })}
            size={7}
            maxLength={100}
            placeholder="Condition"
          />
        </label>
        <fieldset className="compact price-range">
          <legend className="sr-only">Price range</legend>
          <label>
            <span>Price</span>
            <input
              inputMode="decimal"
              aria-label="Minimum price"
              placeholder="min"
              value={filters.priceMin}
              onChange={(e) => setFilters({ ...filters, priceMin: e.target.value })}
              size={5}
              {...(priceMinError
                ? { "aria-invalid": true, "aria-describedby": "price-min-error" }
                : {})}
            />
          </label>
          <span aria-hidden="true">–</span>
          <input
            inputMode="decimal"
            aria-label="Maximum price"
            placeholder="max"
            value={filters.priceMax}
            onChange={(e) => setFilters({ ...filters, priceMax: e.target.value })}
            size={5}
            {...(priceMaxError
              ? { "aria-invalid": true, "aria-describedby": "price-max-error" }
              : {})}
          />
          {(priceMinError || priceMaxError) && (
            <span className="cell-editor-error price-filter-error">
              {priceMinError && (
                <span id="price-min-error" role="alert">
                  Minimum price not used: {priceMinError}
                </span>
              )}
              {priceMaxError && (
                <span id="price-max-error" role="alert">
                  Maximum price not used: {priceMaxError}
                </span>
              )}
            </span>
          )}
        </fieldset>
        {JSON.stringify(filters) !== JSON.stringify(emptyFilters) && (
          <button type="button" className="btn ghost" onClick={() => setFilters(emptyFilters)}>
            Clear filters
          </button>
        )}
        <div className="toolbar-group">
          <label className="compact">
            <span>Marketplace</span>
            <select
              value={marketplace}
              onChange={(e) => changeMarketplace(e.target.value as Marketplace)}
              aria-label="Marketplace"
            >
              {MARKETPLACES.map((m) => (
                <option key={m} value={m}>
                  {MARKETPLACE_LABEL[m]}
                </option>
              ))}
            </select>
          </label>
          <div className="popover-anchor">
            <button
              type="button"
              className="btn"
              aria-expanded={colsOpen}
              onClick={() => setColsOpen((o) => !o)}
            >
              Columns
            </button>
            {colsOpen && (
              <ColumnsMenu
                available={columnsFor(marketplace)}
                prefs={colPrefs}
                onChange={saveColPrefs}
                onClose={() => setColsOpen(false)}
              />
            )}
          </div>
          <button
            type="button"
            className="btn"
            onClick={() => void doUndo()}
            disabled={!undo.canUndo}
            title="Undo (Ctrl+Z)"
            aria-label="Undo"
          >
            ↶
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => void doRedo()}
            disabled={!undo.canRedo}
            title="Redo (Ctrl+Y)"
            aria-label="Redo"
          >
            ↷
          </button>
          <button
            type="button"
            className={`btn${historyOpen ? " pressed" : ""}`}
            aria-pressed={historyOpen}
            onClick={() => setHistoryOpen((o) => !o)}
          >
            History
          </button>
          <button type="button" className="btn" onClick={() => app.navigate("/import")}>
            Import
          </button>
          <button type="button" className="btn" onClick={() => void openExport()}>
            Export
          </button>
          <button
            type="button"
            className="btn primary"
            onClick={() => void openBulk()}
            title="Bulk actions (Ctrl+B)"
          >
            Bulk actions
          </button>
        </div>
      </div>

      <div className="grid-area">
        <div
          ref={scrollRef}
          className="grid"
          role="grid"
          tabIndex={0}
          aria-label="Listings"
          aria-rowcount={total + 1}
          aria-colcount={cols.length + 1}
          aria-multiselectable="true"
          aria-activedescendant={activeRow ? `cell-${sel.active.r}-${sel.active.c}` : undefined}
          onKeyDown={onGridKey}
          onScroll={onScroll}
          onMouseDown={(e) => {
            const head = e.button === 0 ? rowHeaderAt(e.target) : null;
            if (head !== null) {
              e.preventDefault();
              if (editorCommit.current?.()) return;
              setSel((s) => clickRowHeader(s, head, cols.length, e.shiftKey));
              scrollRef.current?.focus({ preventScroll: true });
              return;
            }
            const at = e.button === 0 ? cellAt(e.target) : null;
            if (!at) return;
            e.preventDefault();
            onCellMouseDown(at.r, at.c, e.shiftKey);
          }}
          onDoubleClick={(e) => {
            const at = cellAt(e.target);
            if (at) onCellDoubleClick(at.r, at.c);
          }}
          data-testid="grid"
        >
          <div
            className="grid-header"
            role="row"
            aria-rowindex={1}
            style={{ width: totalWidth, height: HEADER_H }}
          >
            <div className="gh gutter" role="columnheader" style={{ width: GUTTER_W }}>
              #
            </div>
            {cols.map((c) => {
              const sortable = !!SORTABLE[c.key];
              const ind = sortIndicator(c.key);
              return (
                <div
                  key={c.key}
                  className={`gh${c.align === "right" ? " right" : ""}`}
                  role="columnheader"
                  aria-sort={ind ? (ind === "↑" ? "ascending" : "descending") : undefined}
                  style={{ width: c.width }}
                  draggable
                  onDragStart={() => {
                    dragCol.current = c.key;
                  }}
                  onDragOver={(e) => e.preventDefault()}
                  onDrop={() => dropOn(c.key)}
                >
                  {sortable ? (
                    <button
                      type="button"
                      className="gh-sort"
                      onClick={() => {
                        const s = SORTABLE[c.key];
                        if (s) setSort(sort === s[0] ? s[1] : s[0]);
                      }}
                      title={`Sort by ${c.label}`}
                    >
                      {c.label} {ind && <span aria-hidden="true">{ind}</span>}
                    </button>
                  ) : (
                    <span>{c.label}</span>
                  )}
                  <span
                    className="resize"
                    aria-hidden="true"
                    onPointerDown={(e) => {
                      e.preventDefault();
                      e.stopPropagation();
                      resizeStart(c.key, e.clientX, c.width);
                    }}
                  />
                </div>
              );
            })}
          </div>
          <div
            className="grid-body"
            style={{ height: Math.max(total * ROW_H, 1), width: totalWidth }}
          >
            <style>{widthCss}</style>
            <GridRows
              store={scrollStore}
              viewH={viewH}
              total={total}
              cache={cache}
              version={version}
              reload={reload}
              cols={cols}
              r0={rect.r0}
              r1={rect.r1}
              c0={rect.c0}
              c1={rect.c1}
              activeR={sel.active.r}
              activeC={sel.active.c}
              titleLimit={titleLimit}
              pending={pending}
              conflictIds={conflictIds}
              unsavedIds={unsavedIds}
              onWindow={loadWindow}
            />
            {editing && editCol && (
              <CellEditor
                // By listing, not row: the editor (and the text typed in it) stays as it moves.
                key={editorKey(editing)}
                initial={editing.text}
                multiline={editCol.kind === "longtext"}
                label={
                  editAway
                    ? `Edit ${editCol.label} of "${editing.row.title}"`
                    : `Edit ${editCol.label}`
                }
                // A listing no longer among the rows (filtered out, or on a page not loaded) is
                // named, so the editor is not taken for one of the row it is drawn over.
                note={
                  editAway
                    ? `${editCol.label} of "${editing.row.title.slice(0, 60)}" (not among the rows shown)`
                    : undefined
                }
                style={{
                  // Not among the rows: at the top of the view, where the seller is looking.
                  top: editAt !== undefined ? editAt * ROW_H : (scrollRef.current?.scrollTop ?? 0),
                  left: editLeft,
                  width: Math.max(editCol.width, editCol.kind === "longtext" ? 360 : 0),
                }}
                limit={editCol.key === "title" ? titleLimit : undefined}
                error={editing.error}
                autoFocus={editing.focus !== false}
                commitRef={editorCommit}
                onText={(text) => {
                  editorText.current = { key: editorKey(editing), text };
                }}
                onCommit={(text, key, shift, focus) => commitEdit(text, key, shift, focus)}
                onCancel={() => {
                  setEditing(null);
                  scrollRef.current?.focus({ preventScroll: true });
                }}
              />
            )}
          </div>
          {!firstLoad && total === 0 && (
            <div className="empty">
              <p>No listings match.</p>
              {JSON.stringify(appliedFilters) !== JSON.stringify(emptyFilters) && (
                <button type="button" className="btn" onClick={() => setFilters(emptyFilters)}>
                  Clear filters
                </button>
              )}
            </div>
          )}
          {firstLoad && (
            <div className="empty" aria-busy="true">
              Loading listings…
            </div>
          )}
        </div>
        {historyOpen && (
          <HistoryPanel
            tick={historyTick}
            onClose={() => setHistoryOpen(false)}
            perform={undoFromHistory}
            onChanged={(id) => {
              undo.forget(id);
              setUndoSizes(undo.sizes());
              refreshAll();
            }}
          />
        )}
      </div>

      {unsaved.length > 0 && (
        <UnsavedPanel
          edits={unsaved}
          onRetry={(u) => void retryUnsaved(u)}
          onRetryAll={() => void retryAllUnsaved()}
          onDismiss={dismissUnsaved}
          onLeave={() => scrollRef.current?.focus({ preventScroll: true })}
        />
      )}

      {conflicts.length > 0 && (
        <ConflictPanel
          conflicts={conflicts}
          onResolve={(c, choice) => void resolveConflict(c, choice)}
          onLeave={() => scrollRef.current?.focus({ preventScroll: true })}
        />
      )}

      <footer className="statusbar" aria-live="polite">
        <span data-testid="row-count">
          {cache.total === null
            ? "…"
            : `${total.toLocaleString()} listing${total === 1 ? "" : "s"}`}
        </span>
        <span>
          {isRange(sel)
            ? `${(rect.r1 - rect.r0 + 1).toLocaleString()} × ${rect.c1 - rect.c0 + 1} selected`
            : activeCol && total > 0
              ? `Row ${(sel.active.r + 1).toLocaleString()} · ${activeCol.label}`
              : ""}
        </span>
        {activeRow &&
          activeCol &&
          activeRow.warnings?.some((w) => w.field === activeCol.warnField) && (
            <span className="warn-text">
              ⚠{" "}
              {activeRow.warnings
                .filter((w) => w.field === activeCol.warnField)
                .map((w) => w.message)
                .join("; ")}
            </span>
          )}
        <span className="spacer" />
        {busy && <span className="saving">{busy}</span>}
        {pending.size > 0 && <span className="saving">Saving {pending.size}…</span>}
        {marketplace !== "generic" && (
          <span className="muted">Checking against {MARKETPLACE_LABEL[marketplace]} rules</span>
        )}
      </footer>

      {exportOpen && (
        <ExportDialog
          selectedIds={isRange(sel) ? selectedIds() : null}
          selectedRows={isRange(sel) ? rect.r1 - rect.r0 + 1 : 0}
          filter={filterArgs}
          total={total}
          marketplace={marketplace}
          onClose={() => setExportOpen(false)}
        />
      )}
      {bulkOpen && (
        <BulkDialog
          selectedIds={isRange(sel) ? selectedIds() : null}
          selectedRows={isRange(sel) ? rect.r1 - rect.r0 + 1 : 0}
          filter={filterArgs}
          total={total}
          onClose={() => setBulkOpen(false)}
          onApplied={(changeSetId, label) => {
            pushUndo(changeSetId, label);
            refreshAll();
          }}
        />
      )}
    </div>
  );
}

/** The in-cell editor: Enter/Tab save and move, Esc cancels, Alt+Enter adds a line in long text. */
function CellEditor(props: {
  initial: string;
  multiline: boolean;
  label: string;
  style: React.CSSProperties;
  limit?: number;
  /** Why the text it opened with was not saved, shown under it. */
  error?: string;
  /** Names what it edits, shown above it, when that is not the row it is drawn on. */
  note?: string;
  /** Takes the keyboard as it opens (the default). */
  autoFocus?: boolean;
  /**
   * Saves the text; true when the grid keeps an editor open on the cell instead. `focus` is false
   * when the editor lost the keyboard to something outside the grid.
   */
  onCommit: (
    text: string,
    key: "Enter" | "Tab" | "none",
    shift: boolean,
    focus: boolean,
  ) => boolean;
  onCancel: () => void;
  /** Receives a function that commits the current text, for closing the editor from outside. */
  commitRef?: React.RefObject<(() => boolean) | null>;
  /** Told the text as it is typed. */
  onText?: (text: string) => void;
}) {
  const [text, setText] = useState(props.initial);
  const change = (next: string) => {
    setText(next);
    props.onText?.(next);
  };
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const done = useRef(false);
  // Every way out (keys, blur, a click elsewhere in the grid) goes through here, so one edit is
  // saved once: two saves of the same row at the same version would make the second a conflict.
  const commit = (key: "Enter" | "Tab" | "none", shift: boolean, focus = true): boolean => {
    if (done.current) return false;
    done.current = true;
    return props.onCommit(text, key, shift, focus);
  };
  const latestCommit = useRef(commit);
  latestCommit.current = commit;
  const [commitNow] = useState(() => () => latestCommit.current("none", false));
  const { commitRef } = props;
  useEffect(() => {
    if (!commitRef) return;
    commitRef.current = commitNow;
    return () => {
      // The next editor may already have registered itself; leave its hook in place.
      if (commitRef.current === commitNow) commitRef.current = null;
    };
  }, [commitRef, commitNow]);
  // Focused as it mounts (a layout effect, not a later passive one), so a key an IME is still
  // composing when the editor opens lands in it rather than in the grid.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only as it mounts
  useLayoutEffect(() => {
    // What an earlier editor of the same cell was told (one cancelled, say) is not this one's.
    props.onText?.(props.initial);
    const el = ref.current;
    if (!el || props.autoFocus === false) return;
    el.focus();
    const n = el.value.length;
    el.setSelectionRange(n, n);
  }, []);
  const onKeyDown = (e: React.KeyboardEvent) => {
    e.stopPropagation();
    // Enter, Tab or Escape pressed to confirm or drop an IME conversion belongs to the IME: it
    // must neither save the half-composed text and move on, nor throw the edit away.
    if (isImeKey({ key: e.key, isComposing: e.nativeEvent.isComposing, keyCode: e.keyCode }))
      return;
    if (e.key === "Escape") {
      e.preventDefault();
      done.current = true;
      props.onCancel();
    } else if (e.key === "Enter" && !(props.multiline && e.altKey)) {
      e.preventDefault();
      commit("Enter", e.shiftKey);
    } else if (e.key === "Tab") {
      e.preventDefault();
      commit("Tab", e.shiftKey);
    }
  };
  const common = {
    ref,
    className: "cell-editor-input",
    value: text,
    "aria-label": props.label,
    onKeyDown,
    // Focus leaving for something outside the grid (the search box, a dialog) stays there.
    onBlur: (e: React.FocusEvent) => {
      const to = e.relatedTarget;
      commit("none", false, !(to instanceof Element) || !!to.closest('[role="grid"]'));
    },
    ...(props.error ? { "aria-invalid": true } : {}),
  };
  return (
    <div className="cell-editor" style={props.style}>
      {props.note && <span className="cell-editor-note">{props.note}</span>}
      {props.multiline ? (
        <textarea {...common} rows={4} onChange={(e) => change(e.target.value)} />
      ) : (
        <input {...common} onChange={(e) => change(e.target.value)} />
      )}
      {props.limit && (
        <span className={`counter${text.length > props.limit ? " over" : ""}`} aria-live="polite">
          {text.length}/{props.limit}
        </span>
      )}
      {props.error && text === props.initial && (
        <span className="cell-editor-error" role="alert">
          {props.error}
        </span>
      )}
    </div>
  );
}
