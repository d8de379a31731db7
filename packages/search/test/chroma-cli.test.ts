import { existsSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { chromaCliPath } from "../src";

it("resolves chroma's CLI entry from this package's chromadb", () => {
  const cli = chromaCliPath();
  expect(cli.endsWith("/chromadb/dist/cli.mjs")).toBe(true);
  expect(existsSync(cli)).toBe(true);
  expect(readFileSync(cli, "utf8")).toContain("bindings");
});
