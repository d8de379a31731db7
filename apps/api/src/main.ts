import { existsSync, readFileSync, statSync } from "node:fs";
import type { Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { createJsonLogger, routeConsoleTo } from "@mbe/core";
import { jobMetrics } from "@mbe/jobs/metrics";
import type { MiddlewareHandler } from "hono";
import { createApp } from "./app";
import { loadConfig } from "./config";
import { buildRuntime } from "./deps";
import type { AppEnv } from "./http/env";
import { serveNode } from "./http/node-server";
import { documentPolicy, inlineScriptHashes, isHtml } from "./http/security-headers";

const here = path.dirname(fileURLToPath(import.meta.url));
const version = (
  JSON.parse(readFileSync(path.join(here, "../package.json"), "utf8")) as { version: string }
).version;

/**
 * The built console (apps/console/dist) with an SPA fallback to index.html. The page's policy
 * allows its own inline script (the theme switch that runs before first paint) by hash.
 */
function consoleHandler(): MiddlewareHandler<AppEnv> | undefined {
  const dist = path.resolve(here, "../../console/dist");
  const indexFile = path.join(dist, "index.html");
  if (!existsSync(indexFile)) return undefined;
  // Worked out again when the console is rebuilt under a running server.
  const read = () => ({
    mtimeMs: statSync(indexFile).mtimeMs,
    policy: documentPolicy(inlineScriptHashes(readFileSync(indexFile, "utf8"))),
  });
  let built = read();
  const policy = () => {
    try {
      if (statSync(indexFile).mtimeMs !== built.mtimeMs) built = read();
    } catch {
      // Mid-rebuild (the file is briefly missing): the last policy stands.
    }
    return built.policy;
  };
  const root = path.relative(process.cwd(), dist) || ".";
  const assets = serveStatic({ root });
  const index = serveStatic({ root, path: "index.html" });
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
    // API paths keep their JSON 404s; everything else is the single-page app.
    if (/^\/(v1|trpc|health|docs)(\/|$)/.test(c.req.path)) return next();
    const res = (await assets(c, async () => {})) ?? (await index(c, next));
    if (res && isHtml(res.headers.get("content-type")))
      res.headers.set("Content-Security-Policy", policy());
    return res;
  };
}

const config = loadConfig();
// What libraries print with console.* joins the JSON log instead of interleaving plain text.
routeConsoleTo(createJsonLogger(config.LOG_LEVEL));
const runtime = await buildRuntime(config, version);
const { deps } = runtime;
deps.consoleHandler = consoleHandler();
deps.serverSetsHeaders = true;
if (!deps.consoleHandler)
  deps.log.warn({}, "console not built: run `pnpm --filter @mbe/console build` to serve it at /");

let stopWorkers: ((timeoutMs?: number) => Promise<void>) | undefined;
if (config.RUN_WORKERS ?? !config.DATABASE_URL) {
  const { startWorkers } = await import("@mbe/worker");
  // In-process workers count rows into this process's registry, so /metrics shows them.
  const metrics = jobMetrics(runtime.metrics.registry);
  stopWorkers = await startWorkers({ runtime, config, log: deps.log, metrics });
}

const app = createApp(deps);
const server = serveNode(app.fetch, { port: config.PORT, hostname: config.HOST }, (info) => {
  deps.log.info({ port: info.port }, `Marketplace Bulk Editor on http://localhost:${info.port}`);
});

let stopping = false;
/**
 * SIGTERM/SIGINT: stop listening at once, let requests in flight finish (up to
 * SHUTDOWN_TIMEOUT_MS), let in-process jobs finish or hand them back, then close queues, Redis,
 * the database and child services. Exits 0 when every request finished, 1 when some were cut.
 */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const timeoutMs = config.SHUTDOWN_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  // Only a backstop for a close step that hangs; each step below respects the deadline.
  setTimeout(() => process.exit(1), timeoutMs + 5000).unref();
  const http = server as Server;
  const closed = new Promise<boolean>((resolve) => http.close(() => resolve(true)));
  deps.log.info({ signal, timeoutMs }, "shutting down: not accepting, finishing requests");
  // Keep-alive connections hold close() open: drop each one as soon as it has no request.
  http.closeIdleConnections();
  const idle = setInterval(() => http.closeIdleConnections(), 100);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const drained = await Promise.race([closed, expired]);
  clearInterval(idle);
  clearTimeout(timer);
  if (!drained) {
    deps.log.warn({ timeoutMs }, "requests still running at the shutdown deadline; cutting them");
    http.closeAllConnections();
  }
  await stopWorkers?.(Math.max(1000, deadline - Date.now()));
  await runtime.close();
  deps.log.info({ drained }, "stopped");
  process.exit(drained ? 0 : 1);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
