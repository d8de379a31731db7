import { afterEach, describe, expect, it } from "vitest";
import { createJsonLogger, flushLogs, routeConsoleTo } from "./json-lines";

const original = process.stdout.write.bind(process.stdout);
let writes: string[] = [];
function capture() {
  flushLogs();
  writes = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
}
afterEach(() => {
  process.stdout.write = original;
});
const tick = () => new Promise((r) => setImmediate(r));

describe("JSON-lines logger", () => {
  it("writes the lines of one tick together, in order, with their bindings", async () => {
    capture();
    const log = createJsonLogger("info", { app: "t" }).child({ requestId: "r1" });
    log.info({ n: 1 }, "one");
    log.warn({ n: 2 }, "two");
    log.info({ n: 3 }, "three");
    expect(writes).toHaveLength(0);
    await tick();
    expect(writes).toHaveLength(1);
    const lines = (writes[0] ?? "")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(["one", "two", "three"]);
    expect(lines.every((l) => l.requestId === "r1" && l.app === "t")).toBe(true);
  });

  it("writes errors at once, with what was waiting before them", () => {
    capture();
    const log = createJsonLogger("info");
    log.info({}, "before");
    log.error({ err: "boom" }, "failed");
    expect(writes.join("")).toMatch(/"before"[\s\S]*"failed"/);
  });

  it("drops lines under the level", async () => {
    capture();
    createJsonLogger("warn").info({}, "quiet");
    await tick();
    expect(writes.join("")).not.toContain("quiet");
  });
});

describe("routeConsoleTo", () => {
  it("writes what libraries print with console as JSON lines, and puts the console back", () => {
    const before = console.error;
    capture();
    const restore = routeConsoleTo(createJsonLogger("info", { app: "t" }));
    try {
      console.error(new TypeError("socket hang up"));
      console.info("The user aborted a request.");
      console.warn("%d retries left", 3);
      console.log("plain", { a: 1 });
    } finally {
      restore();
    }
    flushLogs();
    const lines = writes
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.msg, l.source, l.app])).toEqual([
      ["error", "socket hang up", "console", "t"],
      ["info", "The user aborted a request.", "console", "t"],
      ["warn", "3 retries left", "console", "t"],
      ["info", "plain { a: 1 }", "console", "t"],
    ]);
    expect(lines[0].err).toMatchObject({ name: "TypeError", message: "socket hang up" });
    expect(lines[0].err.stack).toContain("json-lines.test");
    expect(console.error).toBe(before);
  });
});
