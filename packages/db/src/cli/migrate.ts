import { createDb } from "../client";

/** `pnpm db:migrate`: applies the committed migrations to DATABASE_URL (or the PGlite in .data/). */
const handle = createDb({
  url: process.env.DATABASE_URL,
  pgliteDir: process.env.PGLITE_DIR ?? ".data/pglite",
});
await handle.migrate();
await handle.close();
console.log(`migrations applied (${handle.kind})`);
