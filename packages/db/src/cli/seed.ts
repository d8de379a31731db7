import { createDb } from "../client";
import { seedDemo } from "../seed";

/** `pnpm db:seed`: creates the demo seller and admin once. */
const handle = createDb({
  url: process.env.DATABASE_URL,
  pgliteDir: process.env.PGLITE_DIR ?? ".data/pglite",
});
await handle.migrate();
const { created } = await seedDemo(handle.db, {
  password: process.env.DEMO_PASSWORD ?? "demo-password",
  adminPassword: process.env.DEMO_ADMIN_PASSWORD ?? "admin-password",
});
await handle.close();
console.log(created ? "demo data seeded" : "demo data already present");
