import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startRedis } from "./index";
import { redisServersIn } from "./test-processes";

const REDIS_PID_FILE = "redis-server.pid";

const root = mkdtempSync(path.join(os.tmpdir(), "mbe-redis-restart-"));
const starters = new Set<ChildProcess>();
afterAll(() => {
  for (const s of starters) s.kill("SIGKILL");
  for (const dir of readdirSync(root))
    for (const pid of redisServersIn(path.join(root, dir))) kill(pid);
  rmSync(root, { recursive: true, force: true });
});

function kill(pid: number) {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Sends one command in Redis's protocol and returns the raw reply. */
function command(url: string, ...args: string[]): Promise<string> {
  const { hostname, port } = new URL(url);
  const wire = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: hostname, port: Number(port) }, () => s.write(wire));
    s.once("data", (d) => {
      s.destroy();
      resolve(d.toString());
    });
    s.once("error", reject);
  });
}

const STARTER = (dir: string) => `
import { startRedis } from "./src/index.ts";
const svc = await startRedis(${JSON.stringify(dir)});
console.log("redis " + svc.pid + " " + svc.url);
setInterval(() => {}, 1000);
`;

/** A process that starts the private Redis the way \`pnpm start\` does, and keeps running. */
async function starter(dir: string): Promise<{ proc: ChildProcess; pid: number; url: string }> {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", STARTER(dir)],
    {
      cwd: path.join(import.meta.dirname, ".."),
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  starters.add(proc);
  proc.once("exit", () => starters.delete(proc));
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /redis (\d+) (\S+)/.exec(out);
      if (m) resolve({ proc, pid: Number(m[1]), url: m[2] as string });
    });
    proc.once("exit", (code) => reject(new Error(`the starter exited with ${code}: ${out}`)));
  });
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe.runIf(process.platform === "linux")("the private redis-server", () => {
  it("starts again after its starter was killed outright, leaving one server with the data", async () => {
    const dir = path.join(root, "killed");
    const first = await starter(dir);
    expect(await command(first.url, "SET", "kept", "yes")).toBe("+OK\r\n");
    first.proc.kill("SIGKILL");

    const second = await starter(dir);
    expect(second.pid).not.toBe(first.pid);
    expect(await until(() => !alive(first.pid), 10_000)).toBe(true);
    expect(redisServersIn(dir)).toEqual([second.pid]);
    expect(await command(second.url, "PING")).toBe("+PONG\r\n");
    expect(await command(second.url, "GET", "kept")).toBe("$3\r\nyes\r\n");
    expect(readFileSync(path.join(dir, REDIS_PID_FILE), "utf8").trim()).toBe(String(second.pid));
    second.proc.kill("SIGTERM");
  });

  it("ends when its starter is killed outright", async () => {
    const dir = path.join(root, "orphan");
    const first = await starter(dir);
    first.proc.kill("SIGKILL");
    expect(await until(() => !alive(first.pid), 10_000)).toBe(true);
    expect(redisServersIn(dir)).toEqual([]);
  });

  it("stops a server an earlier run left on the same data folder before starting", async () => {
    const dir = path.join(root, "leftover");
    const first = await startRedis(dir, { persist: false });
    const second = await startRedis(dir, { persist: false });
    try {
      expect(alive(first.pid as number)).toBe(false);
      expect(redisServersIn(dir)).toEqual([second.pid]);
      expect(await command(second.url, "PING")).toBe("+PONG\r\n");
    } finally {
      await second.stop();
      await first.stop();
    }
  });

  it("leaves a process that is not its redis-server alone", async () => {
    const dir = path.join(root, "reused-pid");
    const other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
      stdio: "ignore",
    });
    starters.add(other);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, REDIS_PID_FILE), `${other.pid}\n`);
    const svc = await startRedis(dir, { persist: false });
    try {
      expect(alive(other.pid as number)).toBe(true);
      expect(await command(svc.url, "PING")).toBe("+PONG\r\n");
    } finally {
      await svc.stop();
      other.kill("SIGKILL");
    }
  });
});
