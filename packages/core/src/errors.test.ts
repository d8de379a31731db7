import { createDb } from "@mbe/db";
import { createTestDatabase } from "@mbe/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreError, clientErrorFromDb } from "./errors";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let ha: ReturnType<typeof createDb>;
let hb: ReturnType<typeof createDb>;
let a: NonNullable<ReturnType<typeof createDb>["sql"]>;
let b: NonNullable<ReturnType<typeof createDb>["sql"]>;
beforeAll(async () => {
  database = await createTestDatabase();
  // Two clients of one connection each: two writers in two sessions.
  ha = createDb({ url: database.url, max: 1 });
  hb = createDb({ url: database.url, max: 1 });
  if (!ha.sql || !hb.sql) throw new Error("needs PostgreSQL");
  a = ha.sql;
  b = hb.sql;
  await a`create table pair (id int primary key, n int)`;
  await a`insert into pair values (1, 0), (2, 0)`;
});
afterAll(async () => {
  await ha.close();
  await hb.close();
  await database.drop();
});

describe("clientErrorFromDb", () => {
  it("answers a deadlock PostgreSQL broke as a conflict to try again, not a server error", async () => {
    let firstLocked!: () => void;
    const locked = new Promise<void>((r) => {
      firstLocked = r;
    });
    // Two writers taking the same two rows in opposite orders: PostgreSQL aborts one.
    const one = a.begin(async (tx) => {
      await tx`update pair set n = n + 1 where id = 1`;
      firstLocked();
      await new Promise((r) => setTimeout(r, 200));
      await tx`update pair set n = n + 1 where id = 2`;
    });
    const two = locked.then(() =>
      b.begin(async (tx) => {
        await tx`update pair set n = n + 1 where id = 2`;
        await tx`update pair set n = n + 1 where id = 1`;
      }),
    );
    const outcomes = await Promise.allSettled([one, two]);
    const failed = outcomes.filter((o) => o.status === "rejected");
    expect(failed).toHaveLength(1);
    const err = (failed[0] as PromiseRejectedResult).reason as { code?: string };
    expect(err.code).toBe("40P01");
    const mapped = clientErrorFromDb(new Error("wrapped", { cause: err }));
    expect(mapped).toBeInstanceOf(CoreError);
    expect(mapped?.code).toBe("CONFLICT");
  });

  it("leaves a server fault alone", () => {
    expect(clientErrorFromDb(Object.assign(new Error("x"), { code: "53300" }))).toBeUndefined();
  });
});
