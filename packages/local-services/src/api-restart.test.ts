import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "./index";
import { redisServersIn } from "./test-processes";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const dataDir = mkdtempSync(path.join(os.tmpdir(), "mbe-api-restart-"));
const apis = new Set<ChildProcess>();
afterAll(() => {
  for (const a of apis) a.kill("SIGKILL");
  const redisDir = path.join(dataDir, "redis");
  if (existsSync(redisDir))
    for (const pid of redisServersIn(redisDir)) process.kill(pid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * The API as `pnpm start` runs it, with no REDIS_URL: it starts its private redis-server in
 * DATA_DIR. Resolves once it answers ready.
 */
async function startApi(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "test",
      DATABASE_URL: inject("databaseUrl"),
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      QUEUE_PREFIX: `rs${Math.random().toString(36).slice(2, 8)}`,
      JWT_SECRET: "restart-test-secret-0123456789-abcdefgh",
      SEARCH_ENABLED: "0",
      RUN_WORKERS: "0",
      SEED_DEMO: "0",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  apis.add(child);
  child.once("exit", () => apis.delete(child));
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the API exited with ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ready) return { child, port };
    if (Date.now() > deadline) throw new Error(`the API never became ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.runIf(process.platform === "linux")("the API with its private redis-server", () => {
  it("starts again after being killed outright, with one redis-server on its data", async () => {
    const first = await startApi();
    expect(redisServersIn(path.join(dataDir, "redis"))).toHaveLength(1);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));

    const second = await startApi();
    const deadline = Date.now() + 10_000;
    while (redisServersIn(path.join(dataDir, "redis")).length > 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(redisServersIn(path.join(dataDir, "redis"))).toHaveLength(1);
    const res = await fetch(`http://127.0.0.1:${second.port}/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: `restart-${Date.now()}@example.test`,
        password: "correct-horse-battery",
        firstName: "Restart",
      }),
    });
    expect(res.status).toBe(201);
    second.child.kill("SIGTERM");
    await new Promise((r) => second.child.once("exit", r));
    expect(redisServersIn(path.join(dataDir, "redis"))).toHaveLength(0);
  }, 120_000);
});
