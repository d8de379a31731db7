import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb } from "../src/client";
import { copyIntoFor } from "../src/copy";

// One connection, so a COPY that left it stuck would hang the query after it.
const handle = createDb({ url: inject("databaseUrl"), max: 1 });
const copyInto = copyIntoFor(handle);
const sql = handle.sql;
const TABLE = `copy_in_${process.pid}`;
beforeAll(async () => {
  await sql?.unsafe(`create table ${TABLE} (a text not null check (a <> 'bad'))`);
});
afterAll(async () => {
  await sql?.unsafe(`drop table if exists ${TABLE}`);
  await handle.close();
});

const within = <T>(p: Promise<T>, ms = 10_000) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("hung")), ms)),
  ]);
async function* lines(n: number, badAt: number) {
  for (let i = 0; i < n; i++) yield i === badAt ? "bad" : `row ${i}`;
}

describe("copyInto", () => {
  it("fails, rather than hangs, when the server refuses a row, and the connection goes on", async () => {
    if (!copyInto || !sql) throw new Error("no COPY on this driver");
    // Refused early in a short stream, and in the middle of a long one.
    for (const [n, badAt] of [
      [10, 5],
      [100_000, 50_000],
    ] as const) {
      await expect(within(copyInto(TABLE, ["a"], lines(n, badAt)))).rejects.toThrow(
        /check constraint/,
      );
      expect(await within(sql`select count(*)::int as n from ${sql(TABLE)}`)).toEqual([{ n: 0 }]);
    }
    await within(copyInto(TABLE, ["a"], lines(1000, -1)));
    expect(await within(sql`select count(*)::int as n from ${sql(TABLE)}`)).toEqual([{ n: 1000 }]);
  });
});
