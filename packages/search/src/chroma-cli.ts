import { createRequire } from "node:module";
import path from "node:path";

/**
 * Absolute path of `chroma run`'s entry (chromadb/dist/cli.mjs) as installed for this package,
 * for `startChroma(dataDir, chromaCliPath())`. chromadb's exports map hides the file, so it is
 * found next to the package's resolved main module.
 */
export function chromaCliPath(): string {
  const require = createRequire(import.meta.url);
  // The CommonJS entry lives in dist/cjs/; the CLI sits one level up in dist/.
  const main = require.resolve("chromadb");
  let dir = path.dirname(main);
  if (path.basename(dir) === "cjs") dir = path.dirname(dir);
  return path.join(dir, "cli.mjs");
}
