import { afterAll, describe, expect, inject, it } from "vitest";
import { createDb } from "../src/client";
import { copyOutFor } from "../src/copy";

// One connection, so a COPY that left it stuck would hang the query after it.
const handle = createDb({ url: inject("databaseUrl"), max: 1 });
afterAll(() => handle.close());
const copyOut = copyOutFor(handle);
const BIG = "copy (select g, repeat('x', 100) from generate_series(1, 100000) g) to stdout";
const next = () =>
  Promise.race([
    handle.sql ? handle.sql`select 41 + 1 as n` : Promise.reject(new Error("no postgres.js")),
    new Promise((_, reject) => setTimeout(() => reject(new Error("connection stuck")), 5000)),
  ]);

describe("copyOut", () => {
  it("streams every row and leaves the connection usable", async () => {
    if (!copyOut) throw new Error("no COPY on this driver");
    for (let round = 0; round < 3; round++) {
      let lines = 0;
      for await (const chunk of await copyOut(BIG)) for (const b of chunk) if (b === 10) lines++;
      expect(lines).toBe(100_000);
      await expect(next()).resolves.toEqual([{ n: 42 }]);
    }
  });

  it("cancels a COPY the reader stops early and the connection still answers", async () => {
    if (!copyOut) throw new Error("no COPY on this driver");
    let bytes = 0;
    for await (const chunk of await copyOut(BIG)) {
      bytes += chunk.length;
      if (bytes > 100_000) break;
    }
    await expect(next()).resolves.toEqual([{ n: 42 }]);
  });

  it("cancels a COPY whose reader gives up before taking a single chunk", async () => {
    if (!copyOut) throw new Error("no COPY on this driver");
    // A download dropped before its first byte: the iterator is closed without ever being read.
    const rows = (await copyOut(BIG))[Symbol.asyncIterator]();
    await rows.return?.();
    await expect(next()).resolves.toEqual([{ n: 42 }]);
  });

  it("reports a failing COPY as an error", async () => {
    if (!copyOut) throw new Error("no COPY on this driver");
    const read = async () => {
      for await (const _ of await copyOut("copy (select 1/0) to stdout"));
    };
    await expect(read()).rejects.toThrow(/division by zero/);
    await expect(next()).resolves.toEqual([{ n: 42 }]);
  });
});
