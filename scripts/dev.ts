/** `pnpm dev`: the API (restarting on change) and the console with hot reload side by side. */
import { spawn } from "node:child_process";

process.env.RUN_WORKERS ??= "1";
const children = [
  spawn("pnpm", ["exec", "tsx", "watch", "apps/api/src/main.ts"], { stdio: "inherit" }),
  spawn("pnpm", ["--filter", "@mbe/console", "dev"], { stdio: "inherit" }),
];
const stop = () => {
  for (const c of children) c.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
