import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";

// postgres.js keeps its pool's connections and waiting queries in this queue. A pool that stays
// busy never empties it, and unpatched it then grew by a slot per query for as long as the load
// lasted, with every `remove` (each connection move) scanning all of them.
type Queue<T> = {
  length: number;
  push(x: T): T;
  shift(): T | undefined;
  remove(x: T): T | null;
};
const require = createRequire(import.meta.url);
const { default: createQueue } = (await import(
  pathToFileURL(path.join(path.dirname(require.resolve("postgres")), "queue.js")).href
)) as { default: <T>() => Queue<T> };

it("keeps order and removes by identity", () => {
  const q = createQueue<object>();
  const a = {};
  const b = {};
  const c = {};
  q.push(a);
  q.push(b);
  q.push(c);
  expect(q.remove(b)).toBe(b);
  expect(q.remove({})).toBeNull();
  expect(q.length).toBe(2);
  expect(q.shift()).toBe(a);
  expect(q.shift()).toBe(c);
  expect(q.length).toBe(0);
});

it("stays cheap when it never empties (a pool kept busy for a long time)", () => {
  const q = createQueue<number>();
  q.push(0);
  let outOfOrder = 0;
  for (let i = 1; i <= 1_000_000; i++) {
    q.push(i);
    if (q.shift() !== i - 1) outOfOrder++;
  }
  expect(outOfOrder).toBe(0);
  expect(q.length).toBe(1);
  // Unbounded, each of these scanned a million consumed slots (seconds in all); bounded, the
  // queue holds a handful.
  const t = performance.now();
  for (let i = 0; i < 2000; i++) q.remove(-1);
  expect(performance.now() - t).toBeLessThan(250);
  expect(q.remove(1_000_000)).toBe(1_000_000);
  expect(q.length).toBe(0);
});
