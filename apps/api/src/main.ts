import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import type { MiddlewareHandler } from "hono";
import { createApp } from "./app";
import { loadConfig } from "./config";
import { buildRuntime } from "./deps";
import type { AppEnv } from "./http/env";

const here = path.dirname(fileURLToPath(import.meta.url));
const version = (
  JSON.parse(readFileSync(path.join(here, "../package.json"), "utf8")) as { version: string }
).version;

/** The built console (apps/console/dist) with an SPA fallback to index.html. */
function consoleHandler(): MiddlewareHandler<AppEnv> | undefined {
  const dist = path.resolve(here, "../../console/dist");
  if (!existsSync(path.join(dist, "index.html"))) return undefined;
  const root = path.relative(process.cwd(), dist) || ".";
  const assets = serveStatic({ root });
  const index = serveStatic({ root, path: "index.html" });
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
    // API paths keep their JSON 404s; everything else is the single-page app.
    if (/^\/(v1|trpc|health|docs)(\/|$)/.test(c.req.path)) return next();
    const asset = await assets(c, async () => {});
    if (asset) return asset;
    return index(c, next);
  };
}

const config = loadConfig();
const runtime = await buildRuntime(config, version);
const { deps } = runtime;
deps.consoleHandler = consoleHandler();
if (!deps.consoleHandler)
  deps.log.warn({}, "console not built: run `pnpm --filter @mbe/console build` to serve it at /");

let stopWorkers: (() => Promise<void>) | undefined;
if (config.RUN_WORKERS ?? !config.DATABASE_URL) {
  const { startWorkers } = await import("@mbe/worker");
  stopWorkers = await startWorkers({ runtime, config, log: deps.log });
}

const app = createApp(deps);
const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  deps.log.info({ port: info.port }, `Marketplace Bulk Editor on http://localhost:${info.port}`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  deps.log.info({ signal }, "shutting down");
  const force = setTimeout(() => process.exit(1), 20_000);
  force.unref();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await stopWorkers?.();
  await runtime.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
