import { chromium } from "playwright-core";

/** Flags Debian's Chromium needs here (see shared/DEPENDENCIES.md). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches the system Chromium; never downloads a browser. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
}

/** Signs in through the UI and waits for the grid's first rows. */
export async function signIn(page, base, email = "demo@example.com", password = "demo-password") {
  await page.goto(base);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".gr .gc:not(.loading)").first().waitFor({ timeout: 15_000 });
}
