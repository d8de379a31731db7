import { createDb } from "@mbe/db";
import { createTestDatabase } from "@mbe/db/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineQuery } from "./copy-source";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let h: ReturnType<typeof createDb>;
beforeAll(async () => {
  database = await createTestDatabase();
  h = createDb({ url: database.url, max: 1 });
});
afterAll(async () => {
  await h.close();
  await database.drop();
});

describe("inlineQuery", () => {
  // Values a filter may carry (a category, a condition, a text search) that sit next to the
  // dollar-quote tag: each must come back from PostgreSQL exactly as it went in.
  const values = [
    "a$q",
    "$q",
    "$q$",
    "q$",
    "$",
    "$$",
    "x$q$y$qq",
    "ends in $qq",
    'it\'s "quoted"',
    "back\\slash \\' ",
    "new\nline\r\n",
    "emoji 🛒 ünïcödé",
    "",
  ];
  it.each(values)("gives back %j unchanged", async (v) => {
    const text = inlineQuery(sql`select ${v}::text as v, ${3}::int as n, ${true} as b`);
    const raw = h.sql;
    if (!raw) throw new Error("no postgres.js client");
    const [row] = await raw.unsafe(text);
    expect(row).toEqual({ v, n: 3, b: true });
  });

  it("refuses what it cannot write as a literal", () => {
    expect(() => inlineQuery(sql`select ${"a\u0000b"}`)).toThrow(/NUL/);
    expect(() => inlineQuery(sql`select ${Number.NaN}`)).toThrow(/Non-finite/);
    expect(() => inlineQuery(sql`select ${{ a: 1 }}`)).toThrow(/Cannot inline/);
  });
});
