import { describe, expect, it } from "vitest";
import type { Row } from "./columns";
import {
  classifySaveError,
  conflictFields,
  errorCode,
  errorMessage,
  fieldIssues,
  keepMineRequest,
  optimisticSave,
  plainIssueList,
  RowSaveQueue,
  rowErrorMessage,
  type SaveRequest,
} from "./save-logic";

const row = (over: Partial<Row> = {}): Row => ({
  id: "11111111-1111-4111-8111-111111111111",
  title: "Old title",
  price: 10,
  currency: "USD",
  condition: "New",
  description: "",
  category: null,
  offerShipping: false,
  sku: "A",
  quantity: 1,
  imageUrls: [],
  marketplaceFields: {},
  status: "active",
  source: "manual",
  version: 3,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...over,
});

/** A tRPC client error as the API sends it (data.appCode, data.details). */
const trpcError = (appCode: string, details?: unknown) =>
  Object.assign(
    new Error(
      appCode === "VERSION_CONFLICT"
        ? "This listing was changed by someone else; reload it"
        : "Bad",
    ),
    { data: { appCode, details } },
  );

describe("optimisticSave", () => {
  it("shows the edit at once, then the server's row with its new version", async () => {
    const shown: Row[] = [];
    const sent: SaveRequest[] = [];
    const res = await optimisticSave(
      row(),
      { title: "New title" },
      async (req) => {
        sent.push(req);
        expect(shown.at(-1)?.title).toBe("New title");
        return { ...row({ title: "New title", version: 4 }), changeSetId: "cs-1" };
      },
      (r) => shown.push(r),
    );
    expect(sent).toEqual([{ id: row().id, patch: { title: "New title" }, version: 3 }]);
    expect(res).toMatchObject({ ok: true, changeSetId: "cs-1" });
    expect(shown.map((r) => [r.title, r.version])).toEqual([
      ["New title", 3],
      ["New title", 4],
    ]);
  });

  it("keeps my value in a conflict and shows theirs when the version is stale", async () => {
    const theirs = row({ title: "Their title", version: 5 });
    const shown: Row[] = [];
    const res = await optimisticSave(
      row(),
      { title: "My title" },
      async () => {
        throw trpcError("VERSION_CONFLICT", { current: theirs });
      },
      (r) => shown.push(r),
    );
    if (res.ok || !res.conflict) throw new Error("expected a conflict");
    expect(res.conflict.mine).toEqual({ title: "My title" });
    expect(res.conflict.theirs.version).toBe(5);
    expect(shown.at(-1)?.title).toBe("Their title");
    expect(conflictFields(res.conflict)).toEqual([
      { field: "title", mine: "My title", theirs: "Their title" },
    ]);
    // "Keep mine" re-sends my patch against their version, so it wins knowingly.
    expect(keepMineRequest(res.conflict)).toEqual({
      id: row().id,
      patch: { title: "My title" },
      version: 5,
    });
  });

  it("rolls back to the previous row on any other error", async () => {
    const shown: Row[] = [];
    const res = await optimisticSave(
      row(),
      { price: 99 },
      async () => {
        throw trpcError("VALIDATION_FAILED");
      },
      (r) => shown.push(r),
    );
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.failure).toMatchObject({ kind: "error", code: "VALIDATION_FAILED" });
    expect(shown.at(-1)?.price).toBe(10);
  });

  it("classifies network failures and conflicts without the current row as plain errors", () => {
    expect(classifySaveError(new TypeError("fetch failed"))).toMatchObject({
      kind: "error",
      code: "NETWORK_ERROR",
    });
    expect(classifySaveError(trpcError("VERSION_CONFLICT"))).toMatchObject({
      kind: "error",
      code: "VERSION_CONFLICT",
    });
  });
});

describe("RowSaveQueue", () => {
  it("runs saves of one row in turn, each with the version the previous one returned", async () => {
    const q = new RowSaveQueue();
    const log: string[] = [];
    let finishFirst = () => {};
    const first = q.run("a", 1, async (v) => {
      log.push(`start 1 v${v}`);
      await new Promise<void>((r) => (finishFirst = r));
      log.push("end 1");
      return { result: "one", version: v + 1 };
    });
    const second = q.run("a", 1, async (v) => {
      log.push(`start 2 v${v}`);
      return { result: "two", version: v + 1 };
    });
    // Another row is not held up.
    const other = q.run("b", 7, async (v) => ({ result: `b v${v}`, version: v + 1 }));
    expect(await other).toBe("b v7");
    expect(q.busy("a")).toBe(true);
    finishFirst();
    expect(await first).toBe("one");
    expect(await second).toBe("two");
    expect(log).toEqual(["start 1 v1", "end 1", "start 2 v2"]);
    expect(q.busy("a")).toBe(false);
  });

  it("runs a save of many rows after the earlier saves of any of them, and before later ones", async () => {
    const q = new RowSaveQueue();
    const log: string[] = [];
    let finishEdit = () => {};
    const edit = q.run("a", 1, async (v) => {
      await new Promise<void>((r) => (finishEdit = r));
      log.push(`edit a v${v}`);
      return { result: null, version: v + 1 };
    });
    const paste = q.runMany(
      [
        { id: "a", version: 1 },
        { id: "b", version: 5 },
      ],
      async (versions) => {
        log.push(`paste a v${versions.get("a")} b v${versions.get("b")}`);
        // Row b is refused; a is saved.
        return { result: "pasted", versions: new Map([["a", (versions.get("a") ?? 0) + 1]]) };
      },
    );
    const afterB = q.run("b", 5, async (v) => {
      log.push(`edit b v${v}`);
      return { result: null, version: v + 1 };
    });
    const afterA = q.run("a", 1, async (v) => {
      log.push(`edit a v${v}`);
      return { result: null, version: v + 1 };
    });
    expect(q.busy("b")).toBe(true);
    finishEdit();
    await Promise.all([edit, paste, afterA, afterB]);
    expect(log.slice(0, 2)).toEqual(["edit a v1", "paste a v2 b v5"]);
    expect(log.slice(2).sort()).toEqual(["edit a v3", "edit b v5"]);
    expect(q.busy("a") || q.busy("b")).toBe(false);
  });

  it("sends the caller's version after a failed save", async () => {
    const q = new RowSaveQueue();
    const failed = q.run("a", 3, async () => {
      throw new Error("offline");
    });
    const next = q.run("a", 3, async (v) => ({ result: v, version: null }));
    await expect(failed).rejects.toThrow("offline");
    expect(await next).toBe(3);
    expect(q.busy("a")).toBe(false);
  });
});

describe("keepMineRequest", () => {
  it("merges only the marketplace fields this user changed into the server's current ones", () => {
    const base = row({ marketplaceFields: { shopifyHandle: "old", vendor: "Acme", gone: "x" } });
    // The grid's patch carries the whole object as this user saw it, with their change made.
    const mine = { marketplaceFields: { shopifyHandle: "mine", vendor: "Acme" } };
    const theirs = row({
      version: 4,
      marketplaceFields: { shopifyHandle: "old", vendor: "Globex", gone: "x", added: 1 },
    });
    const req = keepMineRequest({ rowId: base.id, mine, theirs, base });
    expect(req.version).toBe(4);
    expect(req.patch).toEqual({
      marketplaceFields: { shopifyHandle: "mine", vendor: "Globex", added: 1 },
    });
  });
});

/** An error as the tRPC client raises it for input the API's validator refused. */
function refusedInput(issues: unknown[]): Error {
  return Object.assign(new Error(JSON.stringify(issues, null, 2)), {
    data: { appCode: "VALIDATION_FAILED", details: undefined },
  });
}

describe("errorMessage of a refused value", () => {
  it("names the field by its label and says what is wrong in plain words", () => {
    const err = refusedInput([
      {
        expected: "string",
        code: "invalid_type",
        path: ["title"],
        message: "Invalid input: expected string, received number",
      },
      {
        origin: "string",
        code: "too_big",
        maximum: 100,
        path: ["condition"],
        message: "Too big: expected string to have <=100 characters",
      },
    ]);
    expect(errorMessage(err)).toBe(
      "Title: must be text; Condition: must have at most 100 characters",
    );
    expect(errorMessage(err)).not.toContain("Invalid input");
    // The machine-readable codes stay available.
    expect(errorCode(err)).toBe("VALIDATION_FAILED");
    expect(fieldIssues(err).map((i) => [i.path, i.code])).toEqual([
      ["title", "invalid_type"],
      ["condition", "too_big"],
    ]);
  });

  it("reads the issues the API lists in its details, marketplace fields included", () => {
    const err = Object.assign(new Error("Invalid listing"), {
      data: {
        appCode: "VALIDATION_FAILED",
        details: {
          issues: [
            { path: "price", message: "JPY has no minor unit: 10.5" },
            { path: "marketplaceFields.shopifyHandle", message: "Invalid input" },
          ],
        },
      },
    });
    expect(errorMessage(err)).toBe("Price: JPY has no minor unit: 10.5; Handle: is not valid");
  });

  it("never shows a validator's report it cannot read as the message", () => {
    expect(errorMessage(new Error('[{"code":"custom"}]'))).toBe("The server refused the request");
    expect(errorMessage(new Error("Network down"))).toBe("Network down");
  });

  it("words a bulk save's row error the same way", () => {
    expect(
      rowErrorMessage({
        code: "VALIDATION_FAILED",
        message: "Invalid row",
        issues: [{ path: "quantity", message: "Too small: expected number to be >=0" }],
      }),
    ).toBe("Qty: must be at least 0");
    expect(rowErrorMessage({ code: "NOT_FOUND", message: "not found" })).toBe("not found");
  });
});

describe("plainIssueList", () => {
  it("labels and words each issue of a 'path: message' list", () => {
    expect(
      plainIssueList(
        "title: Too big: expected string to have <=80 characters; price: Invalid input: expected number, received string",
      ),
    ).toBe("Title: must have at most 80 characters; Price: must be a number");
  });

  it("keeps a message that is no such list as it is", () => {
    expect(plainIssueList("This item is already a listing")).toBe("This item is already a listing");
  });
});
