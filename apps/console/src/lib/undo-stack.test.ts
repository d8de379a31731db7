import { describe, expect, it } from "vitest";
import { UndoStack } from "./undo-stack";

describe("UndoStack", () => {
  it("undoes newest first and redoes in reverse", async () => {
    const s = new UndoStack();
    s.push({ changeSetId: "a", label: "A" });
    s.push({ changeSetId: "b", label: "B" });
    const server: string[] = [];
    expect(
      (await s.undo(async (e) => void server.push(`undo ${e.changeSetId}`)))?.changeSetId,
    ).toBe("b");
    expect(
      (await s.undo(async (e) => void server.push(`undo ${e.changeSetId}`)))?.changeSetId,
    ).toBe("a");
    expect(await s.undo(async () => undefined)).toBeUndefined();
    expect(
      (await s.redo(async (e) => void server.push(`redo ${e.changeSetId}`)))?.changeSetId,
    ).toBe("a");
    expect(server).toEqual(["undo b", "undo a", "redo a"]);
    expect(s.sizes()).toEqual({ undo: 1, redo: 1 });
  });

  it("keeps the stacks unchanged when the server refuses", async () => {
    const s = new UndoStack();
    s.push({ changeSetId: "a", label: "A" });
    await expect(
      s.undo(async () => {
        throw new Error("VERSION_CONFLICT");
      }),
    ).rejects.toThrow("VERSION_CONFLICT");
    expect(s.sizes()).toEqual({ undo: 1, redo: 0 });
    expect(s.peekUndo()?.changeSetId).toBe("a");
  });

  it("clears redo on a new mutation and forgets entries undone elsewhere", async () => {
    const s = new UndoStack();
    s.push({ changeSetId: "a", label: "A" });
    s.push({ changeSetId: "b", label: "B" });
    await s.undo(async () => undefined);
    expect(s.canRedo).toBe(true);
    s.push({ changeSetId: "c", label: "C" });
    expect(s.canRedo).toBe(false);
    s.forget("c");
    expect(s.peekUndo()?.changeSetId).toBe("a");
  });

  it("removes the entry it undid even when another was pushed while the server worked", async () => {
    const s = new UndoStack();
    s.push({ changeSetId: "a", label: "A" });
    s.push({ changeSetId: "b", label: "B" });
    let finish = () => {};
    const undone = s.undo(() => new Promise<void>((r) => (finish = r)));
    // A save finishes while the undo of "b" is still on its way.
    s.push({ changeSetId: "c", label: "C" });
    finish();
    expect((await undone)?.changeSetId).toBe("b");
    expect(s.peekUndo()?.changeSetId).toBe("c");
    expect(s.peekRedo()?.changeSetId).toBe("b");
    expect(s.sizes()).toEqual({ undo: 2, redo: 1 });
    const order: string[] = [];
    while (s.canUndo) await s.undo(async (e) => void order.push(e.changeSetId));
    expect(order).toEqual(["c", "a"]);
  });

  it("runs an undo asked for while a redo is on its way after it, on the entry put back", async () => {
    const s = new UndoStack();
    s.push({ changeSetId: "a", label: "A" });
    s.push({ changeSetId: "b", label: "B" });
    await s.undo(async () => undefined);
    let finishRedo = () => {};
    const redone = s.redo(() => new Promise<void>((r) => (finishRedo = r)));
    const undoneIds: string[] = [];
    const undone = s.undo(async (e) => void undoneIds.push(e.changeSetId));
    await Promise.resolve();
    // The undo waits for the redo: it is not sent while the redo is unanswered.
    expect(undoneIds).toEqual([]);
    finishRedo();
    expect((await redone)?.changeSetId).toBe("b");
    expect((await undone)?.changeSetId).toBe("b");
    expect(undoneIds).toEqual(["b"]);
    expect(s.peekUndo()?.changeSetId).toBe("a");
    expect(s.peekRedo()?.changeSetId).toBe("b");
    expect(s.sizes()).toEqual({ undo: 1, redo: 1 });
  });

  it("undoes the next entry when a second undo is asked for before the first is answered", async () => {
    const s = new UndoStack();
    s.push({ changeSetId: "a", label: "A" });
    s.push({ changeSetId: "b", label: "B" });
    const sent: string[] = [];
    const server = (e: { changeSetId: string }) =>
      new Promise<void>((resolve, reject) => {
        // Like the server: a change set already undone cannot be undone again.
        if (sent.includes(e.changeSetId)) reject(new Error("Nothing to undo"));
        sent.push(e.changeSetId);
        setTimeout(resolve, 5);
      });
    const first = s.undo(server);
    const second = s.undo(server);
    expect((await first)?.changeSetId).toBe("b");
    expect((await second)?.changeSetId).toBe("a");
    expect(sent).toEqual(["b", "a"]);
    expect(s.sizes()).toEqual({ undo: 0, redo: 2 });
  });

  it("undoes an edit still being saved when the undo is asked for, not the one before", async () => {
    const s = new UndoStack();
    s.push({ changeSetId: "a", label: "A" });
    let answer = () => {};
    const saved = s.track(
      new Promise<void>((r) => {
        answer = () => {
          s.push({ changeSetId: "b", label: "B" });
          r();
        };
      }),
    );
    const sent: string[] = [];
    const undone = s.undo(async (e) => void sent.push(e.changeSetId));
    await new Promise((r) => setTimeout(r, 0));
    // Nothing is sent while the save whose change set would be on top is unanswered.
    expect(sent).toEqual([]);
    answer();
    await saved;
    expect((await undone)?.changeSetId).toBe("b");
    expect(sent).toEqual(["b"]);
    expect(s.peekUndo()?.changeSetId).toBe("a");
    expect(s.peekRedo()?.changeSetId).toBe("b");
  });

  it("does not wait for a save that failed, nor for saves started after the undo", async () => {
    const s = new UndoStack();
    s.push({ changeSetId: "a", label: "A" });
    await s.track(Promise.reject(new Error("offline"))).catch(() => undefined);
    const undone = s.undo(async () => undefined);
    s.track(new Promise<void>(() => {}));
    expect((await undone)?.changeSetId).toBe("a");
  });

  it("drops the oldest entries beyond its limit", () => {
    const s = new UndoStack(3);
    for (const id of ["1", "2", "3", "4"]) s.push({ changeSetId: id, label: id });
    expect(s.sizes().undo).toBe(3);
  });
});
