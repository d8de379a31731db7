import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";

/** The redis-server processes working in `dir` (a server changes into its data folder). */
export function redisServersIn(dir: string): number[] {
  const want = realpathSync(dir);
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "redis-server") continue;
      if (readlinkSync(`/proc/${entry}/cwd`) === want) found.push(Number(entry));
    } catch {
      // ended while looking
    }
  }
  return found;
}
