import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(path.join(os.tmpdir(), "mbe-chroma-watch-"));
let leftover: number | undefined;
afterAll(() => {
  if (leftover) {
    try {
      process.kill(leftover, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// A process that starts Chroma and is then killed outright (no chance to stop its children).
const STARTER = `
import { startChroma } from "@mbe/local-services";
import { chromaCliPath } from "@mbe/search";
const svc = await startChroma(${JSON.stringify(path.join(dir, "data"))}, chromaCliPath());
console.log("chroma " + svc.pid);
setInterval(() => {}, 1000);
`;

describe("a Chroma server started as a child", () => {
  it("ends itself when the process that started it is killed", async () => {
    const starter = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", STARTER],
      {
        cwd: path.join(import.meta.dirname, ".."),
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      let out = "";
      starter.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /chroma (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      starter.once("exit", (code) => reject(new Error(`the starter exited with ${code}: ${out}`)));
    });
    leftover = pid;
    expect(alive(pid)).toBe(true);
    starter.kill("SIGKILL");
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid)).toBe(false);
  }, 60_000);
});
