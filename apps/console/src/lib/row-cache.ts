import type { Row } from "./columns";

/** Rows per offset page the grid fetches. */
export const PAGE_SIZE = 100;

/**
 * Sparse rows of one query (filter + sort + marketplace) by result index, filled page by page as
 * the user scrolls. A new query makes a new cache, so late answers for an old one are dropped.
 */
export class RowCache {
  private rows = new Map<number, Row>();
  private byId = new Map<string, number>();
  private pages = new Map<number, "loading" | "loaded">();
  /** Settles when a page that is loading has been filled or has failed. */
  private inFlight = new Map<number, { done: Promise<void>; settle: () => void }>();
  total: number | null = null;
  /**
   * The total may have changed (after an undo or a bulk action) and is being asked for again; until
   * the answer arrives the old one stays, so the grid keeps its height and scroll position.
   */
  totalStale = false;

  constructor(readonly key: string) {}

  get(index: number): Row | undefined {
    return this.rows.get(index);
  }
  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }
  /** Pages overlapping [from, to] that are neither loaded nor loading. */
  missingPages(from: number, to: number): number[] {
    const out: number[] = [];
    const last = this.total === null ? to : Math.min(to, this.total - 1);
    for (let p = Math.floor(Math.max(0, from) / PAGE_SIZE); p * PAGE_SIZE <= last; p++)
      if (!this.pages.has(p)) out.push(p);
    return out;
  }
  markLoading(page: number): void {
    this.pages.set(page, "loading");
    if (!this.inFlight.has(page)) {
      let settle = () => {};
      const done = new Promise<void>((resolve) => {
        settle = resolve;
      });
      this.inFlight.set(page, { done, settle });
    }
  }
  /**
   * Waits for the pages overlapping [from, to] that are loading now (a scroll's fetch) to arrive
   * or fail. Such pages are not "missing", so without this a paste would find their rows absent.
   */
  async loaded(from: number, to: number): Promise<void> {
    const waits: Promise<void>[] = [];
    for (let p = Math.floor(Math.max(0, from) / PAGE_SIZE); p * PAGE_SIZE <= to; p++) {
      const f = this.inFlight.get(p);
      if (f) waits.push(f.done);
    }
    await Promise.all(waits);
  }
  private settle(page: number): void {
    this.inFlight.get(page)?.settle();
    this.inFlight.delete(page);
  }
  /** Forgets a page that failed so the next scroll retries it. */
  unmark(page: number): void {
    this.pages.delete(page);
    this.settle(page);
  }
  /** Stores a fetched page. */
  fill(page: number, items: Row[]): void {
    this.pages.set(page, "loaded");
    this.settle(page);
    for (let i = 0; i < items.length; i++) {
      const r = items[i];
      if (r) this.put(page * PAGE_SIZE + i, r);
    }
  }
  put(index: number, row: Row): void {
    const old = this.rows.get(index);
    // The row that was here may have moved (a refetch after an edit re-sorts): its id points at
    // its new place once that place was filled, and must keep doing so.
    if (old && old.id !== row.id && this.byId.get(old.id) === index) this.byId.delete(old.id);
    this.rows.set(index, row);
    this.byId.set(row.id, index);
  }
  /** Replaces a row wherever it is cached (after a save or conflict). */
  replace(row: Row): boolean {
    const i = this.byId.get(row.id);
    if (i === undefined) return false;
    this.rows.set(i, row);
    return true;
  }
  /** Keeps rows on screen but marks every page stale so visible ones are fetched again. */
  invalidate(): void {
    this.pages.clear();
  }
  /** Whether every row in [from, to] is present. */
  has(from: number, to: number): boolean {
    for (let i = from; i <= to; i++) if (!this.rows.has(i)) return false;
    return true;
  }
}
