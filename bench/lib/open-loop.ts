/**
 * Open-loop load at a fixed rate, in its own process (so it does not share an event loop with
 * the benchmark or the server). Request i is due at start + i / rate; it goes out on an idle
 * keep-alive connection (a new one is opened when none is idle) and its latency is counted from
 * the time it was due, not from when it was written, so a stall in the server or the generator
 * shows up in the percentiles instead of silently lowering the rate (no coordinated omission,
 * as wrk2 does it). Paths rotate in order. Needs nothing but Node.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";

export interface OpenLoopOptions {
  port: number;
  host?: string;
  paths: string[];
  headers?: Record<string, string>;
  /** Requests per second, spaced evenly. */
  rate: number;
  seconds: number;
  /** Most connections open at once; requests due while all are busy wait (and their wait counts). */
  maxConnections?: number;
}

export interface OpenLoopResult {
  due: number;
  answered: number;
  non2xx: number;
  errors: number;
  /** Answered per second of the run. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Most requests in flight at once. */
  maxInFlight: number;
  connections: number;
  /** How late the generator itself was in sending (p99 of write time − due time), ms. */
  sendLagP99: number;
}

/** Runs one open-loop pass in a child process and returns its figures (latencies in ms). */
export function openLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
      env: { ...process.env, OPEN_LOOP: JSON.stringify(opts) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`open-loop generator exited ${code}: ${out}`));
      resolve(JSON.parse(out) as OpenLoopResult);
    });
  });
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0) : 0;

interface Conn {
  socket: net.Socket;
  buf: Buffer;
  /** Due time of the request in flight, or -1 when idle. */
  due: number;
}

async function generate(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const host = o.host ?? "127.0.0.1";
  const maxConnections = o.maxConnections ?? 256;
  const extra = Object.entries(o.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  const requests = o.paths.map((p) =>
    Buffer.from(`GET ${p} HTTP/1.1\r\nHost: ${host}:${o.port}\r\n${extra}\r\n`),
  );
  const total = Math.round(o.rate * o.seconds);
  const interval = 1000 / o.rate;
  const latencies: number[] = [];
  const lags: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let done = 0;
  const idle: Conn[] = [];
  const waiting: { due: number; req: Buffer }[] = [];
  let opened = 0;
  let timed = false;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });

  const settle = (c: Conn, ok: boolean, status: number) => {
    const now = performance.now();
    if (!ok) errors++;
    else {
      latencies.push(now - c.due);
      if (status < 200 || status > 299) non2xx++;
    }
    c.due = -1;
    inFlight--;
    done++;
    if (timed && done === total) finish();
  };
  const write = (c: Conn, due: number, req: Buffer) => {
    c.due = due;
    lags.push(performance.now() - due);
    c.socket.write(req);
  };
  const release = (c: Conn) => {
    const next = waiting.shift();
    if (next) write(c, next.due, next.req);
    else idle.push(c);
  };
  const open = (): Conn => {
    opened++;
    const socket = net.connect(o.port, host);
    socket.setNoDelay(true);
    const c: Conn = { socket, buf: Buffer.alloc(0), due: -1 };
    socket.on("data", (d: Buffer) => {
      c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
      for (;;) {
        const end = c.buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = c.buf.subarray(0, end).toString("latin1");
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        let len: number;
        if (m?.[1]) len = end + 4 + Number(m[1]);
        else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
          // Small bodies only: the last chunk is `0` on its own line.
          let z = c.buf.indexOf("0\r\n\r\n", end + 4);
          while (z > end + 4 && c.buf[z - 1] !== 10) z = c.buf.indexOf("0\r\n\r\n", z + 1);
          if (z < 0) return;
          len = z + 5;
        } else throw new Error(`response without a length: ${head}`);
        if (c.buf.length < len) return;
        c.buf = c.buf.subarray(len);
        settle(c, true, Number(head.slice(9, 12)));
        release(c);
      }
    });
    // A connection the server closed (keep-alive timeout, error) leaves the pool; a request
    // in flight on it counts as an error.
    socket.on("close", () => {
      const at = idle.indexOf(c);
      if (at >= 0) idle.splice(at, 1);
      if (c.due >= 0) settle(c, false, 0);
      opened--;
    });
    socket.on("error", () => {});
    return c;
  };
  // Connections a steady 1,000/s needs at a few ms each, opened before the clock starts.
  const warm = Math.min(maxConnections, 16);
  for (let i = 0; i < warm; i++) {
    const c = open();
    await new Promise((r) => c.socket.once("connect", r));
    idle.push(c);
  }

  // Untimed round trips first, so the generator's own code is compiled before the clock starts.
  for (let k = 0; k < 300; k++) {
    const c = idle.pop() as Conn;
    inFlight++;
    const before = done;
    write(c, performance.now(), requests[k % requests.length] as Buffer);
    await new Promise<void>((r) => {
      const check = () => (done > before ? r() : setImmediate(check));
      check();
    });
  }
  latencies.length = 0;
  lags.length = 0;
  non2xx = 0;
  errors = 0;
  done = 0;
  maxInFlight = 0;
  timed = true;

  const start = performance.now();
  let i = 0;
  const tick = () => {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      const due = start + i * interval;
      const req = requests[i % requests.length] as Buffer;
      i++;
      inFlight++;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      // Oldest idle first, so every connection stays in use (none sits out a keep-alive timeout).
      const c = idle.shift();
      if (c) write(c, due, req);
      else if (opened < maxConnections) {
        const n = open();
        n.socket.once("connect", () => write(n, due, req));
      } else waiting.push({ due, req });
    }
    if (i < total) setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
  };
  tick();
  await Promise.race([finished, new Promise((r) => setTimeout(r, o.seconds * 1000 + 15_000))]);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  return {
    due: total,
    answered: latencies.length,
    non2xx,
    errors: errors + (total - done),
    rps: latencies.length / elapsed,
    p50: pct(latencies, 0.5),
    p90: pct(latencies, 0.9),
    p99: pct(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? 0,
    maxInFlight,
    connections: opened,
    sendLagP99: pct(lags, 0.99),
  };
}

if (process.env.OPEN_LOOP && process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await generate(JSON.parse(process.env.OPEN_LOOP) as OpenLoopOptions);
  process.stdout.write(JSON.stringify(r));
  process.exit(0);
}
