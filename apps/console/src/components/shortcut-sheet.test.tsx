import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { ShortcutSheet } from "./shortcut-sheet";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement("div");
document.body.append(host);
const root = createRoot(host);
afterEach(async () => {
  await act(async () => root.render(null));
});

/** The keys each heading of the sheet lists. */
function keysByGroup(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const section of host.querySelectorAll(".shortcut-grid section"))
    out[section.querySelector("h3")?.textContent ?? ""] = [...section.querySelectorAll("kbd")].map(
      (k) => k.textContent ?? "",
    );
  return out;
}

describe("ShortcutSheet", () => {
  it("lists the history and bulk shortcuts under the Listings page, not under Anywhere", async () => {
    await act(async () => root.render(<ShortcutSheet onClose={() => {}} />));
    const groups = keysByGroup();
    expect(groups.Anywhere).toEqual(["Ctrl+K"]);
    expect(groups["On the Listings page"]).toEqual(["Ctrl+Shift+H", "Ctrl+B"]);
  });
});
