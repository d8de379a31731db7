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

  it("drops the oldest entries beyond its limit", () => {
    const s = new UndoStack(3);
    for (const id of ["1", "2", "3", "4"]) s.push({ changeSetId: id, label: id });
    expect(s.sizes().undo).toBe(3);
  });
});
