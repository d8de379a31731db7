/**
 * `pnpm start`: the whole product on one machine. Builds the console once if needed, then runs the
 * API with workers in-process, PGlite in .data/ unless DATABASE_URL is set, and a private
 * redis-server unless REDIS_URL is set.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("apps/console/dist/index.html") && existsSync("apps/console/index.html")) {
  console.log("building the console (first start only)…");
  const r = spawnSync("pnpm", ["--filter", "@mbe/console", "build"], { stdio: "inherit" });
  if (r.status !== 0) console.warn("console build failed; the API still starts");
}
process.env.RUN_WORKERS ??= "1";
await import("../apps/api/src/main");
