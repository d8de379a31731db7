/**
 * End-to-end runner (`pnpm test:e2e` builds the console first): starts the real server in a temp
 * data folder on a free port, drives the built console in Debian's Chromium, saves screenshots of
 * the main screens, stops everything, and ends with `e2e: N passed, M failed`. Screenshots go to a
 * temporary folder, so a test run leaves the work tree as it was; `E2E_SCREENSHOTS=docs/screenshots`
 * refreshes the ones the docs show.
 */
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { launch } from "./browser.mjs";
import { repoRoot, startPreview, startServer } from "./server.mjs";
import { specs } from "./specs.mjs";

const only = process.argv[2];
const shotsDir = process.env.E2E_SCREENSHOTS
  ? path.resolve(repoRoot, process.env.E2E_SCREENSHOTS)
  : path.join(os.tmpdir(), "mbe-e2e-screenshots");
mkdirSync(shotsDir, { recursive: true });

let passed = 0;
let failed = 0;
let server;
let preview;
let browser;
const hardStop = setTimeout(() => {
  console.error("e2e: overall time limit reached");
  void cleanup().then(() => {
    console.log(`e2e: ${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  });
}, 15 * 60_000);

async function cleanup() {
  await browser?.close().catch(() => {});
  await preview?.stop().catch(() => {});
  await server?.stop().catch(() => {});
}
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, () => void cleanup().then(() => process.exit(130)));

try {
  const t0 = Date.now();
  server = await startServer();
  console.log(`server ready on ${server.base} in ${Date.now() - t0} ms`);
  let base = server.base;
  const home = await fetch(`${base}/`).catch(() => null);
  const html = home?.ok && (home.headers.get("content-type") ?? "").includes("text/html");
  if (!html) {
    // The API must serve apps/console/dist at /; when it does not, still test the built console
    // against the real API, and say so loudly.
    console.warn(
      `WARNING: GET / on the API answered ${home?.status ?? "nothing"}, not the console; serving dist with vite preview → API`,
    );
    preview = await startPreview(server.base);
    base = preview.base;
  }
  browser = await launch();
  for (const spec of specs) {
    if (only && !spec.name.includes(only)) continue;
    const context = await browser.newContext({
      viewport: { width: 1440, height: 860 },
      colorScheme: "light",
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // Whatever the page's content security policy blocks (an inline script, a style, a request)
    // is a bug: the console must work under the policy the server sends.
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    const shot = (name) => page.screenshot({ path: path.join(shotsDir, `${name}.png`) });
    const started = Date.now();
    try {
      await spec.run({ page, base, apiBase: server.base, shot });
      if (errors.length) throw new Error(`uncaught page errors: ${errors.join(" | ")}`);
      passed++;
      console.log(`  ✓ ${spec.name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.log(
        `  ✗ ${spec.name}\n    ${String(err?.stack ?? err)
          .split("\n")
          .slice(0, 6)
          .join("\n    ")}`,
      );
      await page
        .screenshot({
          path: path.join(
            repoRoot,
            "apps/console/e2e/screenshots-tmp",
            `${spec.name.replace(/\W+/g, "-")}.png`,
          ),
        })
        .catch(() => {});
    } finally {
      await context.close();
    }
  }
} catch (err) {
  failed++;
  console.error(`e2e setup failed: ${err?.stack ?? err}`);
} finally {
  await cleanup();
  clearTimeout(hardStop);
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
