import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_NODE_FLAGS } from "./node-flags";

const root = new URL("../../../", import.meta.url);

describe("the API's V8 flags", () => {
  it("are the ones the API image runs with", () => {
    const dockerfile = readFileSync(new URL("docker/api.Dockerfile", root), "utf8");
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd).toBeDefined();
    const argv = JSON.parse(cmd as string) as string[];
    expect(argv[0]).toBe("node");
    expect(argv.slice(1, 1 + API_NODE_FLAGS.length)).toEqual([...API_NODE_FLAGS]);
    expect(argv.at(-1)).toBe("apps/api/src/main.ts");
  });

  it("give the process a heap limit of about 1 GB", () => {
    const limit = (flags: readonly string[]) =>
      Number(
        execFileSync(process.execPath, [
          ...flags,
          "-p",
          "require('node:v8').getHeapStatistics().heap_size_limit",
        ]),
      ) /
      2 ** 20;
    const capped = limit(API_NODE_FLAGS);
    expect(capped).toBeGreaterThan(1000);
    expect(capped).toBeLessThan(1200);
  });
});
