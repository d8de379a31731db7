import { afterEach, describe, expect, it } from "vitest";
import { createJsonLogger, flushLogs } from "./json-lines";

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
