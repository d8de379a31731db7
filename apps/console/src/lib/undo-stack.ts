/** One server change set the user can step back or forward over. */
export interface UndoEntry {
  changeSetId: string;
  label: string;
  /** The listings the change set touched, when known (to re-read them after an undo or redo). */
  rowIds?: string[];
}

/**
 * The console's undo/redo history, mirroring server change sets: every mutation pushes the
 * change set it produced; undo moves it to the redo side; a new mutation clears redo.
 */
export class UndoStack {
  private undos: UndoEntry[] = [];
  private redos: UndoEntry[] = [];
  /** Settles when the last undo or redo asked for has finished; the next one starts after it. */
  private tail: Promise<void> = Promise.resolve();
  /** Undos and redos running or waiting. */
  private queued = 0;
  /** Edits on their way to the server; their change sets are not on the stack yet. */
  private saving = new Set<Promise<unknown>>();
  constructor(private readonly limit = 200) {}

  /**
   * Runs undos and redos one at a time. The entry an undo targets leaves the stack only once the
   * server has answered, so a second Ctrl+Z pressed meanwhile would pick the same entry and be
   * refused as "already undone"; queued, it picks the next one.
   */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    // With nothing running it starts at once, as a lone undo always did.
    const run = this.queued === 0 ? op() : this.tail.then(op);
    this.queued++;
    this.tail = run.then(
      () => {
        this.queued--;
      },
      () => {
        this.queued--;
      },
    );
    return run;
  }

  /**
   * Registers an edit that is being saved. An undo or redo asked for meanwhile waits for it: the
   * edit's change set is pushed only when the server answers, so Ctrl+Z pressed right after Enter
   * or a paste would otherwise revert the step before it, and the late push would then drop that
   * step's redo.
   */
  track<T>(save: Promise<T>): Promise<T> {
    this.saving.add(save);
    const drop = () => {
      this.saving.delete(save);
    };
    save.then(drop, drop);
    return save;
  }

  /** Records a fresh mutation; anything that was redoable is no longer reachable. */
  push(entry: UndoEntry): void {
    this.undos.push(entry);
    if (this.undos.length > this.limit) this.undos.shift();
    this.redos = [];
  }
  get canUndo(): boolean {
    return this.undos.length > 0;
  }
  get canRedo(): boolean {
    return this.redos.length > 0;
  }
  peekUndo(): UndoEntry | undefined {
    return this.undos.at(-1);
  }
  peekRedo(): UndoEntry | undefined {
    return this.redos.at(-1);
  }
  /**
   * Runs `revert` on the newest entry and moves it to the redo side only if the server accepted;
   * a refused undo (e.g. a row changed since) leaves the stacks untouched.
   */
  undo(revert: (e: UndoEntry) => Promise<void>): Promise<UndoEntry | undefined> {
    return this.moveNewest("undos", "redos", revert);
  }
  /** Re-applies the most recently undone entry; stacks change only on success. */
  redo(apply: (e: UndoEntry) => Promise<void>): Promise<UndoEntry | undefined> {
    return this.moveNewest("redos", "undos", apply);
  }
  /** Runs `op` on the newest entry of `from` and, once it succeeded, moves that entry to `to`. */
  private moveNewest(
    from: "undos" | "redos",
    to: "undos" | "redos",
    op: (e: UndoEntry) => Promise<void>,
  ): Promise<UndoEntry | undefined> {
    // The edits saving when the key was pressed come before this step; later ones do not.
    const before = [...this.saving];
    return this.serial(async () => {
      if (before.length) await Promise.allSettled(before);
      const e = this[from].at(-1);
      if (!e) return undefined;
      await op(e);
      // Another edit may have been pushed while the server worked on this one: remove this
      // entry, not whatever is on top now.
      this[from] = without(this[from], e);
      this[to].push(e);
      return e;
    });
  }
  /** The entry of a change set, on either side, when this stack has it. */
  find(changeSetId: string): UndoEntry | undefined {
    return [...this.undos, ...this.redos].findLast((e) => e.changeSetId === changeSetId);
  }
  /** Drops an entry another screen already undid (history panel), keeping order for the rest. */
  forget(changeSetId: string): void {
    this.undos = this.undos.filter((e) => e.changeSetId !== changeSetId);
    this.redos = this.redos.filter((e) => e.changeSetId !== changeSetId);
  }
  sizes(): { undo: number; redo: number } {
    return { undo: this.undos.length, redo: this.redos.length };
  }
}

/** The entries but the given one (the newest with its change set, should it appear twice). */
function without(entries: UndoEntry[], e: UndoEntry): UndoEntry[] {
  const i = entries.lastIndexOf(e);
  return i === -1 ? entries : [...entries.slice(0, i), ...entries.slice(i + 1)];
}
