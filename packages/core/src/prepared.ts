import type { Db } from "@mbe/db";

/**
 * A statement prepared once per database and reused for every call on it: for the queries that
 * run on every request, where building the SQL each time costs more than running it.
 */
export function preparedPerDb<T>(prepare: (db: Db) => T): (db: Db) => T {
  const byDb = new WeakMap<Db, T>();
  return (db) => {
    let q = byDb.get(db);
    if (q === undefined) {
      q = prepare(db);
      byDb.set(db, q);
    }
    return q;
  };
}
