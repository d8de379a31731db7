import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { AppContext, type AppCtx, type ToastAction } from "../app-context";
import type { Row } from "../lib/columns";

/**
 * Test support for screens that talk to the API: an in-memory listings store that checks versions
 * the way the server does, exposed through the same `api` shape the console's tRPC client has, and
 * a helper that mounts a screen in jsdom inside the signed-in shell's context.
 *
 * Use it with `vi.mock("../api/client", () => ({ api: fake.client }))`, where `fake` comes from
 * `vi.hoisted(() => new FakeApi())` (the fake must exist before the mocked module is imported).
 */

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export { listing } from "../lib/row-fixture";

/** An error shaped like the tRPC client's (`data.appCode`, `data.details`). */
function apiError(appCode: string, message: string, details?: unknown): Error {
  return Object.assign(new Error(message), { data: { appCode, details } });
}

interface ChangeSet {
  before: Row[];
  after: Row[];
  status: "applied" | "undone";
}

/** One call the screen made, for assertions. */
export interface FakeCall {
  path: string;
  input: Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: inputs arrive as the real client's loose shapes
type Input = any;

/** An in-memory stand-in for the listings API with optimistic-concurrency checks. */
export class FakeApi {
  rows: Row[] = [];
  calls: FakeCall[] = [];
  changeSets = new Map<string, ChangeSet>();
  /** While true, calls to the paths in `holdPaths` wait until `releaseAll()`. */
  holding = false;
  holdPaths = new Set<string>();
  /** Called as each call arrives, before it is answered (to change the data under a screen). */
  onCall: ((path: string, input: Record<string, unknown>) => void) | null = null;
  private held: (() => void)[] = [];
  private nextChangeSet = 1;

  reset(rows: Row[]): void {
    this.rows = rows.map((r) => ({ ...r }));
    this.calls = [];
    this.changeSets.clear();
    this.holding = false;
    this.holdPaths.clear();
    this.held = [];
    this.onCall = null;
    this.nextChangeSet = 1;
  }

  /** Makes calls to these procedures wait until `releaseAll()`. */
  hold(...paths: string[]): void {
    this.holding = true;
    for (const p of paths) this.holdPaths.add(p);
  }

  /** Lets every held call proceed (in the order they were made) and stops holding. */
  releaseAll(): void {
    this.holding = false;
    this.holdPaths.clear();
    const held = this.held;
    this.held = [];
    for (const go of held) go();
  }

  get heldCount(): number {
    return this.held.length;
  }

  callsTo(path: string): FakeCall[] {
    return this.calls.filter((c) => c.path === path);
  }

  byId(id: string): Row | undefined {
    return this.rows.find((r) => r.id === id);
  }

  private async enter(path: string, input: unknown): Promise<void> {
    const call = { path, input: (input ?? {}) as Record<string, unknown> };
    this.calls.push(call);
    this.onCall?.(call.path, call.input);
    // A macrotask, like a network round trip, so callers never see a synchronous answer.
    await new Promise((r) => setTimeout(r, 0));
    if (this.holding && this.holdPaths.has(path))
      await new Promise<void>((go) => this.held.push(go));
  }

  private changeSet(before: Row[], after: Row[]): string {
    const id = `cs-${this.nextChangeSet++}`;
    this.changeSets.set(id, { before, after, status: "applied" });
    return id;
  }

  private write(row: Row): void {
    const i = this.rows.findIndex((r) => r.id === row.id);
    if (i >= 0) this.rows[i] = row;
  }

  private list(input: Input) {
    const ids: string[] | undefined = input.ids;
    const limit: number = input.limit ?? 50;
    if (limit > 500) throw apiError("VALIDATION", "limit is at most 500");
    const all = ids ? this.rows.filter((r) => ids.includes(r.id)) : this.rows;
    const offset: number = input.offset ?? 0;
    const items = all.slice(offset, offset + limit).map((r) => ({ ...r }));
    return { items, ...(input.includeTotal ? { total: all.length } : {}) };
  }

  private update(input: Input) {
    const { id, version, ...patch } = input;
    const cur = this.byId(id);
    if (!cur) throw apiError("NOT_FOUND", "Listing not found");
    if (version !== undefined && version !== cur.version)
      throw apiError("VERSION_CONFLICT", "Listing was changed by someone else", {
        current: { ...cur },
      });
    const next = { ...cur, ...patch, version: cur.version + 1 } as Row;
    this.write(next);
    return { ...next, changeSetId: this.changeSet([cur], [next]) };
  }

  private bulkUpsert(input: Input) {
    const before: Row[] = [];
    const after: Row[] = [];
    const results = (input.rows as Input[]).map((r, index) => {
      const { id, version, ...patch } = r;
      const cur = this.byId(id);
      if (!cur)
        return { index, status: "error", error: { code: "NOT_FOUND", message: "not found" } };
      if (version !== undefined && version !== cur.version)
        return {
          index,
          status: "error",
          error: { code: "VERSION_CONFLICT", message: "changed by someone else" },
        };
      const next = { ...cur, ...patch, version: cur.version + 1 } as Row;
      this.write(next);
      before.push(cur);
      after.push(next);
      return { index, status: "updated", id, version: next.version };
    });
    const count = (s: string) => results.filter((r) => r.status === s).length;
    return {
      changeSetId: after.length ? this.changeSet(before, after) : null,
      created: 0,
      updated: count("updated"),
      unchanged: 0,
      failed: count("error"),
      results,
    };
  }

  private undo(input: Input) {
    const cs = this.changeSets.get(input.id);
    if (cs?.status !== "applied") throw apiError("NOT_FOUND", "Nothing to undo");
    for (const r of cs.before) this.write({ ...r, version: (this.byId(r.id)?.version ?? 0) + 1 });
    cs.status = "undone";
    return { ok: true };
  }

  private redo(input: Input) {
    const cs = this.changeSets.get(input.id);
    if (cs?.status !== "undone") throw apiError("NOT_FOUND", "Nothing to redo");
    for (const r of cs.after) this.write({ ...r, version: (this.byId(r.id)?.version ?? 0) + 1 });
    cs.status = "applied";
    return { ok: true };
  }

  private proc<T>(path: string, run: (input: Input) => T) {
    return async (input?: Input): Promise<T> => {
      await this.enter(path, input);
      return run(input ?? {});
    };
  }

  /** The object the mocked `api` export is; only what the grid uses is implemented. */
  readonly client = {
    listings: {
      list: { query: this.proc("listings.list", (i) => this.list(i)) },
      update: { mutate: this.proc("listings.update", (i) => this.update(i)) },
      bulkUpsert: { mutate: this.proc("listings.bulkUpsert", (i) => this.bulkUpsert(i)) },
    },
    changeSets: {
      undo: { mutate: this.proc("changeSets.undo", (i) => this.undo(i)) },
      redo: { mutate: this.proc("changeSets.redo", (i) => this.redo(i)) },
      list: { query: this.proc("changeSets.list", () => ({ items: [] })) },
    },
    bulkEdits: {
      preview: {
        mutate: this.proc("bulkEdits.preview", () => ({
          matched: this.rows.length,
          changed: this.rows.length,
          rejected: [],
          sample: [],
        })),
      },
      execute: {
        mutate: this.proc("bulkEdits.execute", () => ({
          changed: this.rows.length,
          changeSetId: null,
        })),
      },
    },
    templates: { list: { query: this.proc("templates.list", () => []) } },
    apiKeys: {
      list: { query: this.proc("apiKeys.list", () => ({ items: [], nextCursor: null })) },
    },
  };
}

/**
 * A page of `all` as a list procedure answers it, the cursor being the position of the next item
 * (`limit` defaulting to `defaultLimit`).
 */
export function pageOfItems<T>(
  all: readonly T[],
  input: { limit?: number; cursor?: string },
  defaultLimit: number,
): { items: T[]; nextCursor: string | null } {
  const from = input.cursor ? Number(input.cursor) : 0;
  const to = from + (input.limit ?? defaultLimit);
  return { items: all.slice(from, to), nextCursor: to < all.length ? String(to) : null };
}

/** jsdom lacks layout APIs the grid calls; these stand-ins make them harmless. */
export function installDomStubs(): void {
  const g = globalThis as unknown as { ResizeObserver?: unknown };
  if (!g.ResizeObserver)
    g.ResizeObserver = class {
      observe() {}
      unobserve() {}
      disconnect() {}
    };
  if (!Element.prototype.scrollTo)
    Element.prototype.scrollTo = function scrollTo(this: Element, opts?: ScrollToOptions | number) {
      if (typeof opts === "object" && opts?.top !== undefined) this.scrollTop = opts.top;
    } as Element["scrollTo"];
}

/** A mounted screen with the toasts it raised. */
export interface Mounted {
  host: HTMLDivElement;
  root: Root;
  toasts: { kind: string; text: string; action?: ToastAction }[];
  unmount(): Promise<void>;
}

/** Renders `ui` inside an AppContext whose toasts are recorded. */
export async function mountWithApp(ui: React.ReactNode): Promise<Mounted> {
  installDomStubs();
  const host = document.createElement("div");
  document.body.append(host);
  const root = createRoot(host);
  const toasts: Mounted["toasts"] = [];
  const ctx: AppCtx = {
    me: { id: "u1", email: "seller@example.com" } as unknown as AppCtx["me"],
    prefs: {},
    setPrefs: () => {},
    toast: (kind, text, action) => toasts.push({ kind, text, ...(action ? { action } : {}) }),
    navigate: () => {},
  };
  await act(async () => root.render(<AppContext.Provider value={ctx}>{ui}</AppContext.Provider>));
  return {
    host,
    root,
    toasts,
    unmount: async () => {
      await act(async () => root.unmount());
      host.remove();
    },
  };
}

/** Lets pending timers, fetches and React updates run (real timers). */
export async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}

/** Waits (with real timers) until `check` passes or the time runs out. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await act(async () => {
      await new Promise((r) => setTimeout(r, 5));
    });
  }
}

/** Sets an input's value the way React notices, then fires `input`. */
export function typeInto(el: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement : HTMLInputElement;
  Object.getOwnPropertyDescriptor(proto.prototype, "value")?.set?.call(el, value);
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

/** Fires a keydown (React listens at the root, so it must bubble). */
export function key(el: Element, k: string, init: KeyboardEventInit = {}): void {
  el.dispatchEvent(
    new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init }),
  );
}
