import assert from "node:assert/strict";
import path from "node:path";
import { signIn } from "./browser.mjs";
import { repoRoot, rest, restLogin } from "./server.mjs";

const PRICE_LIST_PHOTO = path.join(repoRoot, "packages/ocr/test/fixtures/clean-price-list.png");
const FACEBOOK_FIXTURE = path.join(
  repoRoot,
  "packages/formats/test/fixtures/facebook-listings-small.xlsx",
);

/** Filters the grid by a search term and waits until the filtered count settles. */
async function searchGrid(page, term) {
  await page.getByLabel("Search listings").fill(term);
  await page.waitForFunction(
    (t) => {
      const c = document.querySelector('[data-testid="row-count"]')?.textContent ?? "";
      const first = document.querySelector("#cell-0-0 .txt")?.textContent ?? "";
      // A handful of matches, not the whole (unfiltered) catalog still on screen.
      return /^0 listings$/.test(c) || (/^\d listings?$/.test(c) && first.includes(t));
    },
    term,
    { timeout: 10_000 },
  );
  return (await page.getByTestId("row-count").textContent())?.trim();
}

const cell = (page, r, c) => page.locator(`#cell-${r}-${c}`);
const TITLE = 0;
const PRICE = 1;

async function cellText(page, r, c) {
  return (await cell(page, r, c).locator(".txt").first().textContent())?.trim() ?? "";
}

async function waitCell(page, r, c, expected, timeout = 10_000) {
  await page.waitForFunction(
    ({ id, expected }) => document.querySelector(`#${id} .txt`)?.textContent?.trim() === expected,
    { id: `cell-${r}-${c}`, expected },
    { timeout },
  );
}

/** Pastes text into the focused grid the way a browser delivers Ctrl+V from Excel or Sheets. */
async function paste(page, text) {
  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.setData("text/plain", t);
    document.dispatchEvent(
      new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }),
    );
  }, text);
}

async function idle(page) {
  await page.waitForFunction(() => !document.querySelector(".saving"), null, { timeout: 15_000 });
}

/** The specs, run in order against one server; each gets a fresh browser context. */
export const specs = [
  {
    name: "the API serves the built console at / with an SPA fallback",
    async run({ apiBase }) {
      for (const p of ["/", "/overview"]) {
        const r = await fetch(`${apiBase}${p}`);
        assert.equal(r.status, 200, `GET ${p} on the API answered ${r.status}`);
        assert.match(r.headers.get("content-type") ?? "", /text\/html/);
        assert.match(await r.text(), /<div id="root">/);
      }
    },
  },
  {
    name: "signs in as the demo seller and shows the listings grid",
    async run({ page, base, shot }) {
      await signIn(page, base);
      const count = await page.getByTestId("row-count").textContent();
      assert.match(count ?? "", /^\d[\d,]* listings$/);
      assert.ok(
        Number((count ?? "").replace(/\D/g, "")) >= 100,
        `expected the demo catalog, got ${count}`,
      );
      await page
        .getByTestId("backend-status")
        .locator(".status-text")
        .filter({ hasText: /ms/ })
        .waitFor();
      await shot("grid");
      await page.keyboard.press("?");
      await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
      await shot("shortcuts");
      await page.keyboard.press("Escape");
      await page.selectOption('select[aria-label="Marketplace"]', "facebook");
      await page.locator(".gc.invalid").first().waitFor();
      await shot("grid-facebook");
    },
  },
  {
    name: "edits a cell from the keyboard and undoes it with Ctrl+Z",
    async run({ page, base }) {
      await signIn(page, base);
      const before = await cellText(page, 0, TITLE);
      await cell(page, 0, TITLE).click();
      await page.keyboard.press("Enter");
      const editor = page.getByLabel("Edit Title");
      await editor.waitFor();
      await editor.fill("E2E edited title");
      await page.keyboard.press("Enter");
      await waitCell(page, 0, TITLE, "E2E edited title");
      await idle(page);
      // Enter moved the cursor down; the edit is saved on the server.
      await page.reload();
      await page.locator(".gr .gc:not(.loading)").first().waitFor();
      await waitCell(page, 0, TITLE, "E2E edited title");
      // Undo needs the change set from this tab, so edit again and undo it here.
      await cell(page, 0, TITLE).click();
      await page.keyboard.type("Second edit");
      await page.keyboard.press("Enter");
      await waitCell(page, 0, TITLE, "Second edit");
      await idle(page);
      await page.getByTestId("grid").focus();
      await page.keyboard.press("Control+z");
      await waitCell(page, 0, TITLE, "E2E edited title");
      await page.keyboard.press("Control+y");
      await waitCell(page, 0, TITLE, "Second edit");
      assert.notEqual(before, "Second edit");
    },
  },
  {
    name: "pastes a tab-separated block from a spreadsheet as one change set",
    async run({ page, base, shot }) {
      await signIn(page, base);
      await cell(page, 2, TITLE).click();
      await paste(
        page,
        'Pasted "A"\t11.50\nPasted B, with comma\t12\n"Pasted C\nline two"\t$13.25\n',
      );
      await waitCell(page, 2, TITLE, 'Pasted "A"');
      await waitCell(page, 3, TITLE, "Pasted B, with comma");
      await waitCell(page, 4, PRICE, "13.25");
      await idle(page);
      await page.getByRole("button", { name: "History", exact: true }).click();
      const history = page.getByTestId("history");
      await history.getByText("Paste 3×2 cells").first().waitFor();
      await shot("history");
      // One Ctrl+Z takes the whole block back.
      await page.getByTestId("grid").focus();
      await page.keyboard.press("Control+z");
      await page.waitForFunction(
        () => !document.querySelector("#cell-2-0 .txt")?.textContent?.startsWith("Pasted"),
        null,
        { timeout: 10_000 },
      );
      assert.notEqual(await cellText(page, 3, TITLE), "Pasted B, with comma");
      // Fill down: shift-click a range in the Qty column, Ctrl+D copies the first row's value down.
      const QTY = 3;
      const top = await cellText(page, 5, QTY);
      await cell(page, 5, QTY).click();
      await cell(page, 8, QTY).click({ modifiers: ["Shift"] });
      await page.keyboard.press("Control+d");
      for (const r of [6, 7, 8]) await waitCell(page, r, QTY, top);
      await idle(page);
    },
  },
  {
    name: "bulk price change previews, applies and can be undone",
    async run({ page, base, shot }) {
      await signIn(page, base);
      await page.getByLabel("Search listings").fill("Zelda");
      await page.waitForFunction(
        () =>
          /^\d+ listings?$/.test(
            document.querySelector('[data-testid="row-count"]')?.textContent ?? "",
          ) && document.querySelector("#cell-0-0 .txt")?.textContent?.includes("Zelda"),
        null,
        { timeout: 10_000 },
      );
      const before = Number(await cellText(page, 0, PRICE));
      const title = await cellText(page, 0, TITLE);
      await page.getByRole("button", { name: "Bulk actions" }).click();
      const dialog = page.getByRole("dialog", { name: "Bulk actions" });
      await dialog.getByRole("radio", { name: "Change price" }).click();
      await dialog.getByLabel("Value (negative lowers)").fill("10");
      await dialog.getByRole("button", { name: "Preview" }).click();
      await dialog.getByTestId("bulk-preview").waitFor();
      await shot("bulk-preview");
      await dialog.getByRole("button", { name: /^Apply to/ }).click();
      await dialog.waitFor({ state: "detached" });
      const expected = (Math.round(before * 110) / 100).toFixed(2);
      await page.waitForFunction(
        ({ title, expected }) =>
          [...document.querySelectorAll(".gr")].some(
            (r) =>
              r.querySelector(".gc:nth-child(2) .txt")?.textContent === title &&
              r.querySelector(".gc:nth-child(3) .txt")?.textContent === expected,
          ),
        { title, expected },
        { timeout: 10_000 },
      );
      await page.getByTestId("grid").focus();
      await page.keyboard.press("Control+z");
      await page.waitForFunction(
        ({ title, before }) =>
          [...document.querySelectorAll(".gr")].some(
            (r) =>
              r.querySelector(".gc:nth-child(2) .txt")?.textContent === title &&
              r.querySelector(".gc:nth-child(3) .txt")?.textContent === before,
          ),
        { title, before: before.toFixed(2) },
        { timeout: 10_000 },
      );
    },
  },
  {
    name: "shows a version conflict with both values and keeps mine on request",
    async run({ page, base, shot }) {
      await signIn(page, base);
      const id = await page.evaluate(() => null);
      assert.equal(id, null);
      const token = await restLogin(base, "demo@example.com", "demo-password");
      const page1 = await rest(base, token, "GET", "/v1/listings?limit=1");
      const row = page1.items[0];
      assert.equal(await cellText(page, 0, TITLE), row.title);
      // Someone else edits the same listing after this tab loaded it.
      await rest(base, token, "PATCH", `/v1/listings/${row.id}`, {
        title: "Changed elsewhere",
        version: row.version,
      });
      await cell(page, 0, TITLE).dblclick();
      await page.getByLabel("Edit Title").fill("My conflicting title");
      await page.keyboard.press("Enter");
      const panel = page.getByTestId("conflicts");
      await panel.waitFor();
      await panel.getByText("My conflicting title").waitFor();
      await panel.getByText("Changed elsewhere").first().waitFor();
      await shot("conflict");
      await panel.getByRole("button", { name: "Keep mine" }).click();
      await panel.waitFor({ state: "detached" });
      await idle(page);
      const after = await rest(base, token, "GET", `/v1/listings/${row.id}`);
      assert.equal(after.title, "My conflicting title");
      assert.equal(after.version, row.version + 2);
    },
  },
  {
    name: "register, the other screens, dark mode and sign out",
    async run({ page, base, shot }) {
      await signIn(page, base);
      await page.getByRole("link", { name: "Overview" }).click();
      await page.getByRole("heading", { name: "Catalog overview" }).waitFor();
      await page.locator(".chart svg").first().waitFor();
      await shot("overview");
      await page.getByRole("link", { name: "Templates" }).click();
      await page.getByRole("button", { name: "New template" }).click();
      await page.getByLabel("Name").fill("Summer sale");
      await page.getByRole("checkbox", { name: "Status" }).check();
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("cell", { name: /Summer sale/ }).waitFor();
      await shot("templates");
      await page.getByRole("link", { name: "Audit log" }).click();
      await page.locator("table.data tbody tr").first().waitFor();
      await shot("audit-log");
      await page.getByRole("link", { name: "API keys" }).click();
      await page.getByLabel("Key name").fill("E2E key");
      await page.getByRole("button", { name: "Create key" }).click();
      const secret = await page.getByTestId("api-key-secret").textContent();
      assert.ok((secret ?? "").length > 20);
      await shot("api-keys");
      await page.getByRole("link", { name: "Listings" }).click();
      await page.getByRole("button", { name: "Switch to dark mode" }).click();
      await page.locator(".gr .gc:not(.loading)").first().waitFor();
      await shot("grid-dark");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.getByRole("button", { name: "Create an account" }).click();
      await page.getByLabel("Email").fill(`e2e-${Date.now()}@example.com`);
      await page.getByLabel("Password").fill("a-long-enough-password");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByTestId("row-count").filter({ hasText: "0 listings" }).waitFor();
    },
  },
  {
    name: "admin sees sellers and system stats",
    async run({ page, base, shot }) {
      await page.goto(base);
      await page.getByLabel("Email").fill("admin@example.com");
      await page.getByLabel("Password").fill("admin-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("link", { name: "Admin" }).click();
      await page.getByRole("cell", { name: "demo@example.com" }).waitFor();
      await shot("admin");
      // The BullMQ dashboard opens through a one-time link and runs under the page policy.
      await page.getByRole("button", { name: "Job queues" }).click();
      await page.waitForURL(/\/admin\/queues/);
      await page.getByText("imports", { exact: true }).first().waitFor();
    },
  },
  {
    name: "the API reference page renders its operations under its content security policy",
    async run({ page, apiBase }) {
      await page.goto(`${apiBase}/docs`);
      await page.getByRole("heading", { name: "Listings" }).waitFor();
      await page.locator("code", { hasText: "/v1/listings/bulk" }).first().waitFor();
    },
  },
  {
    name: "a revoked session returns to sign-in",
    async run({ page, base }) {
      await signIn(page, base);
      // Rotate the stored refresh token behind the tab's back: its next refresh is a reuse.
      const stored = await page.evaluate(() => localStorage.getItem("mbe.refreshToken"));
      const r = await fetch(`${base}/v1/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken: stored }),
      });
      assert.equal(r.status, 200);
      await page.reload();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.getByText(/revoked|ended/).waitFor();
    },
  },
  {
    name: "column layout (hidden, reordered) is remembered for the seller",
    async run({ page, base }) {
      await signIn(page, base);
      const saved = () => page.waitForResponse((r) => r.url().includes("auth.updateMe") && r.ok());
      await page.getByRole("button", { name: "Columns" }).click();
      await page.getByRole("checkbox", { name: "Description" }).uncheck();
      await page.getByRole("button", { name: "Move Price up" }).click();
      const done = saved();
      await page.getByRole("button", { name: "Done" }).click();
      await done;
      await page.reload();
      await page.locator(".gr .gc:not(.loading)").first().waitFor();
      const headers = (await page.locator(".grid-header .gh").allTextContents()).map((h) =>
        h.trim(),
      );
      assert.ok(!headers.some((h) => h.startsWith("Description")), headers.join(","));
      assert.ok(
        headers[1]?.startsWith("Price") && headers[2]?.startsWith("Title"),
        headers.join(","),
      );
      await page.getByRole("button", { name: "Columns" }).click();
      const reset = saved();
      await page.getByRole("button", { name: "Reset layout" }).click();
      await reset;
    },
  },
  {
    name: "exports the current filter as CSV through a queued job",
    async run({ page, base, shot }) {
      await signIn(page, base);
      await page.getByRole("button", { name: "Export", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Export listings" });
      await dialog.getByRole("button", { name: "Export", exact: true }).click();
      const link = dialog.getByTestId("export-status").getByRole("link");
      await link.waitFor({ timeout: 30_000 });
      await shot("export");
      const href = await link.getAttribute("href");
      const r = await fetch(new URL(href, base));
      assert.equal(r.status, 200);
      const text = await r.text();
      assert.ok(text.split("\n").length > 100, "expected the demo catalog in the CSV");
    },
  },
  {
    name: "imports the Facebook file through the wizard, commits it and undoes it",
    async run({ page, base, shot }) {
      await signIn(page, base);
      assert.equal(await searchGrid(page, "Solar Panel 300W"), "0 listings");
      await page.getByRole("link", { name: "Import", exact: true }).click();
      await page.getByTestId("dropzone").waitFor();
      await page.getByText("Nothing is written to your listings").waitFor();
      await shot("import-1-pick");
      await page.getByLabel("Import file").setInputFiles(FACEBOOK_FIXTURE);
      const preview = page.getByTestId("import-preview");
      await preview.waitFor({ timeout: 30_000 });
      assert.equal(await page.getByTestId("detected-format").textContent(), "XLSX");
      assert.equal(await page.getByLabel("Marketplace layout").inputValue(), "facebook");
      await preview.getByText("Nothing has been written yet").waitFor();
      const n = async (k) =>
        Number(
          (await page.getByTestId(`count-${k}`).locator(".kpi-value").textContent()).replace(
            /\D/g,
            "",
          ),
        );
      assert.equal((await n("create")) + (await n("reject")), 3);
      assert.ok((await n("create")) > 0, "expected rows to create");
      // The category warnings come with a suggested fix and a downloadable problem list.
      await preview.getByTestId("problems").getByText("CATEGORY").first().waitFor();
      await shot("import-2-preview");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        preview.getByRole("button", { name: "Download errors.csv" }).click(),
      ]);
      const csvPath = await download.path();
      const { readFile } = await import("node:fs/promises");
      const csv = await readFile(csvPath, "utf8");
      assert.match(csv.split("\n")[0] ?? "", /^\uFEFF?row,column,value/);
      assert.match(csv, /CATEGORY/);
      // Ticking "apply suggested fixes" re-runs the dry run on the server.
      const rerun = page.waitForResponse((r) => r.url().includes("imports.analyze") && r.ok());
      await preview.getByRole("checkbox", { name: /Apply suggested fixes/ }).check();
      await rerun;
      await preview.getByRole("button", { name: /^Import \d+ listings$/ }).waitFor();
      // Still nothing written: the dry run is only a preview.
      await page.getByRole("link", { name: "Listings" }).click();
      assert.equal(await searchGrid(page, "Solar Panel 300W"), "0 listings");
      await page.getByRole("link", { name: "Import", exact: true }).click();
      const history = page.getByTestId("import-history");
      await history.getByRole("button", { name: "Open" }).first().click();
      await preview.waitFor();
      const created = await n("create");
      await preview.getByRole("button", { name: /^Import \d+ listings$/ }).click();
      const done = page.getByTestId("import-done");
      await done.waitFor({ timeout: 30_000 });
      await done.getByText(`${created} listings created`).waitFor();
      await shot("import-3-done");
      await page.getByRole("button", { name: "Jobs" }).click();
      const jobs = page.getByTestId("jobs-panel");
      await jobs.getByText("facebook-listings-small.xlsx").first().waitFor();
      await jobs.getByText("committed").first().waitFor();
      await shot("jobs");
      await jobs.getByRole("button", { name: "Close jobs" }).click();
      await done.getByRole("button", { name: "View listings" }).click();
      assert.equal(await searchGrid(page, "Solar Panel 300W"), "1 listing");
      assert.equal(
        (await page.locator("#cell-0-0 .txt").first().textContent())?.trim(),
        "Solar Panel 300W",
      );
      // Undo from the file history takes the imported listings away again.
      await page.getByRole("link", { name: "Import", exact: true }).click();
      const row = history.locator("tr", { hasText: "committed" }).first();
      await row.getByRole("button", { name: "Undo" }).click();
      await history.locator("tr").nth(1).getByText("undone").waitFor();
      await shot("import-4-history");
      await page.getByRole("link", { name: "Listings" }).click();
      assert.equal(await searchGrid(page, "Solar Panel 300W"), "0 listings");
    },
  },
  {
    name: "maps the columns of a generic sheet and saves the mapping",
    async run({ page, base, shot }) {
      await signIn(page, base);
      await page.getByRole("link", { name: "Import", exact: true }).click();
      await page.getByLabel("Import file").setInputFiles({
        name: "supplier.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(
          "Item name,Cost,Stock,Internal note\nBrass lamp,25.00,3,shelf A\nOak stool,40,1,\n",
        ),
      });
      const mapping = page.getByTestId("mapping-step");
      await mapping.waitFor({ timeout: 30_000 });
      assert.equal(await page.getByLabel("Marketplace layout").inputValue(), "generic");
      assert.deepEqual(await mapping.locator("tbody td strong").allTextContents(), [
        "Item name",
        "Cost",
        "Stock",
        "Internal note",
      ]);
      assert.equal(await mapping.getByLabel("Field for Item name").inputValue(), "title");
      assert.equal(await mapping.getByLabel("Field for Cost").inputValue(), "price");
      await mapping.getByLabel("Field for Internal note").selectOption("description");
      await mapping.getByLabel("Mapping name").fill("Supplier sheet");
      await mapping.getByRole("button", { name: "Save mapping" }).click();
      await mapping
        .getByLabel("Saved mapping")
        .locator("option", { hasText: "Supplier sheet" })
        .waitFor({ state: "attached" });
      await shot("import-mapping");
      await mapping.getByRole("button", { name: "Use this mapping and preview" }).click();
      const preview = page.getByTestId("import-preview");
      await preview.waitFor();
      assert.equal(await page.getByTestId("count-create").locator(".kpi-value").textContent(), "2");
      // Back to the mapping: the seller's choice survived the dry run.
      await preview.getByRole("button", { name: "Edit column mapping" }).click();
      assert.equal(await mapping.getByLabel("Field for Internal note").inputValue(), "description");
    },
  },
  {
    name: "semantic search from the header shows scored results, similar listings and duplicates",
    async run({ page, base, shot }) {
      await signIn(page, base);
      const box = page.getByRole("searchbox", { name: "Semantic search" });
      await page.keyboard.press("Control+k");
      await page.waitForFunction(() => document.activeElement?.id === "semantic-search");
      await page.keyboard.type("Zelda");
      const pop = page.getByTestId("search-results");
      // The demo catalog is indexed in the background right after start; give it time.
      await pop.locator(".search-hit").first().waitFor({ timeout: 30_000 });
      const first = await pop.locator(".search-title").first().textContent();
      assert.match(first ?? "", /Zelda/);
      assert.match((await pop.locator(".score-n").first().textContent()) ?? "", /^[01]\.\d\d$/);
      await shot("search-header");
      await box.press("Enter");
      const table = page.getByTestId("search-table");
      await table.waitFor();
      await page.getByRole("heading", { name: "Search results" }).waitFor();
      const scores = (await table.locator(".score-n").allTextContents()).map(Number);
      assert.ok(scores.length > 0);
      assert.deepEqual(
        scores,
        [...scores].sort((a, b) => b - a),
        "results are ranked by score",
      );
      await shot("search-results");
      await table.getByRole("button", { name: "Similar" }).first().click();
      await page.getByRole("heading", { name: "Similar listings" }).waitFor();
      // Right after start the vector index may still be building; the screen must say so.
      await page
        .locator('[data-testid="search-table"] tbody tr, .form-error[role="alert"]')
        .first()
        .waitFor({ timeout: 20_000 });
      await page.getByRole("tab", { name: "Duplicates" }).click();
      await page.getByRole("heading", { name: "Likely duplicates" }).waitFor();
      await page
        .getByText(/No likely duplicates|Keep/)
        .first()
        .waitFor({ timeout: 20_000 });
      await shot("search-duplicates");
    },
  },
  {
    name: "scans a price list photo, corrects an item and creates a draft listing",
    async run({ page, base, shot }) {
      await signIn(page, base);
      await page.getByRole("link", { name: "Scan", exact: true }).click();
      await page.getByLabel("Scan files").setInputFiles(PRICE_LIST_PHOTO);
      const scan = page.getByTestId("ocr-scan");
      await scan.getByRole("progressbar").or(scan.getByTestId("ocr-items")).first().waitFor();
      const items = scan.getByTestId("ocr-items");
      await items.waitFor({ timeout: 90_000 });
      const rows = await items.locator("tbody tr").count();
      assert.ok(rows >= 3, `expected several items from the price list, got ${rows}`);
      await scan.getByRole("img", { name: /Page 1 of clean-price-list/ }).waitFor();
      await scan.getByLabel("Title of item 1").fill("E2E scanned lamp");
      await scan.getByRole("checkbox", { name: "Select all items" }).uncheck();
      await scan.getByRole("checkbox", { name: "Create item 1" }).check();
      await shot("ocr");
      await scan.getByRole("button", { name: "Create 1 draft listing" }).click();
      await page.getByText(/Created 1 draft listing/).waitFor();
      await page.getByRole("link", { name: "Listings" }).click();
      assert.equal(await searchGrid(page, "E2E scanned lamp"), "1 listing");
    },
  },
  {
    name: "a file over 5 MB is analysed in the background while the wizard waits",
    async run({ page, base }) {
      await signIn(page, base);
      await page.getByRole("link", { name: "Import", exact: true }).click();
      const rows = ["Item name,Cost,Stock,SKU,Notes"];
      const pad = "x".repeat(80);
      for (let i = 0; i < 52_000; i++)
        rows.push(`Bulk item ${i},${(i % 500) + 1}.99,${i % 7},BULK-${i},${pad}`);
      const buffer = Buffer.from(`${rows.join("\n")}\n`);
      assert.ok(buffer.length > 5 * 1024 * 1024, `fixture is ${buffer.length} bytes`);
      await page
        .getByLabel("Import file")
        .setInputFiles({ name: "big.csv", mimeType: "text/csv", buffer });
      await page
        .getByText("Large file: the dry run runs in the background")
        .waitFor({ timeout: 30_000 });
      const mapping = page.getByTestId("mapping-step");
      await mapping.waitFor({ timeout: 120_000 });
      await mapping.getByRole("button", { name: "Use this mapping and preview" }).click();
      await page.getByTestId("import-preview").waitFor({ timeout: 120_000 });
      assert.equal(
        await page.getByTestId("count-create").locator(".kpi-value").textContent(),
        "52,000",
      );
    },
  },
];
