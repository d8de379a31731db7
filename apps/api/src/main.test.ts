import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "@mbe/local-services";
import { afterEach, describe, expect, inject, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../..");

interface ApiProcess {
  child: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  exited: Promise<{ code: number | null; at: number }>;
  waitForLog(msg: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
}

const running: ApiProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The real API (`tsx apps/api/src/main.ts`) on the run's test database and Redis. */
async function startApi(env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "mbe-shutdown-"));
  dirs.push(dataDir);
  // tsx as a loader in one process: its CLI would put a relaying parent between us and the API.
  const child = spawn(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "test",
      DATABASE_URL: inject("databaseUrl"),
      REDIS_URL: inject("redisUrl"),
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      QUEUE_PREFIX: `sd${Math.random().toString(36).slice(2, 8)}`,
      JWT_SECRET: "shutdown-test-secret-0123456789-abcdefgh",
      SEARCH_ENABLED: "0",
      RUN_WORKERS: "0",
      SEED_DEMO: "0",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let buf = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buf += chunk.toString();
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
      for (const w of waiters.splice(0)) w();
      nl = buf.indexOf("\n");
    }
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, at: Date.now() })),
  );
  const waitForLog = async (msg: RegExp, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = lines.find((l) => typeof l.msg === "string" && msg.test(l.msg));
      if (hit) return hit;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no log line ${msg} (exit ${child.exitCode}); stderr: ${stderr}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  const api = { child, port, lines, exited, waitForLog };
  running.push(api);
  await waitForLog(/^Marketplace Bulk Editor on/);
  return api;
}

async function post(port: number, p: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Starts a POST whose body arrives in two parts; the request is in flight (headers read, handler
 * waiting for the body) until `finish()` sends the rest.
 */
function slowPost(port: number, p: string, body: unknown) {
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  let resolveRes: (v: { status: number; body: string }) => void;
  let rejectRes: (e: Error) => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    resolveRes = resolve;
    rejectRes = reject;
  });
  const req = http.request(
    {
      host: "127.0.0.1",
      port,
      path: p,
      method: "POST",
      headers: { "content-type": "application/json", "content-length": payload.length },
      agent: false,
    },
    (res) => {
      let text = "";
      res.on("data", (c: Buffer) => {
        text += c.toString();
      });
      res.on("end", () => resolveRes({ status: res.statusCode ?? 0, body: text }));
      res.on("error", (e) => rejectRes(e));
    },
  );
  req.on("error", (e) => rejectRes(e));
  // A caller that gives up early must not leave an unhandled rejection behind.
  response.catch(() => {});
  req.flushHeaders();
  req.write(payload.subarray(0, half));
  return {
    response,
    finish: () => req.end(payload.subarray(half)),
  };
}

/** Resolves with the error code of a fresh TCP connection attempt, or "connected". */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("API graceful shutdown (real process)", () => {
  it("finishes the request in flight, refuses new connections and exits 0", async () => {
    const api = await startApi({ SHUTDOWN_TIMEOUT_MS: "8000" });
    const email = `shutdown-${Date.now()}@example.test`;
    const password = "correct-horse-battery";
    expect((await post(api.port, "/v1/auth/register", { email, password })).status).toBe(201);

    // An idle keep-alive connection must not hold the shutdown open until it times out.
    const agent = new http.Agent({ keepAlive: true });
    const health = await new Promise<number>((resolve, reject) =>
      http
        .get({ host: "127.0.0.1", port: api.port, path: "/health", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        })
        .on("error", reject),
    );
    expect(health).toBe(200);

    const slow = slowPost(api.port, "/v1/auth/login", { email, password });
    // Long enough for the server to have read the headers on a busy machine.
    await sleep(1000);
    const signalled = Date.now();
    api.child.kill("SIGTERM");
    await api.waitForLog(/^shutting down/);
    expect(await connectOutcome(api.port)).toBe("ECONNREFUSED");
    // The process waits for the request rather than exiting under it.
    await sleep(500);
    expect(api.child.exitCode).toBeNull();

    slow.finish();
    const res = await slow.response;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).accessToken).toEqual(expect.any(String));

    const { code, at } = await api.exited;
    expect(code).toBe(0);
    // Well inside SHUTDOWN_TIMEOUT_MS: nothing waited for the idle keep-alive socket.
    expect(at - signalled).toBeLessThan(6000);
    expect(api.lines.some((l) => l.msg === "stopped" && l.drained === true)).toBe(true);
    agent.destroy();
  }, 60_000);

  it("cuts a request that outlives SHUTDOWN_TIMEOUT_MS and still exits in bounded time", async () => {
    const api = await startApi({ SHUTDOWN_TIMEOUT_MS: "1500" });
    // Any route that reads a body will do; this one answers 401 only once the body is in.
    const stuck = slowPost(api.port, "/v1/listings", { title: "Never finished", price: 1 });
    await sleep(1000);
    const signalled = Date.now();
    api.child.kill("SIGTERM");
    const { code, at } = await api.exited;
    const took = at - signalled;
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(6000);
    expect(code).toBe(1);
    await expect(stuck.response).rejects.toThrow();
    expect(
      api.lines.some((l) => /still running at the shutdown deadline/.test(String(l.msg))),
    ).toBe(true);
  }, 60_000);
});
