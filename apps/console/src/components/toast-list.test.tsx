import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Toast } from "../app-context";
import { ToastList } from "./toast-list";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement("div");
document.body.append(host);
const root = createRoot(host);
afterEach(async () => {
  await act(async () => root.render(null));
});

describe("ToastList", () => {
  it("shows a toast's action as a button that runs it and dismisses the toast", async () => {
    const run = vi.fn();
    const onDismiss = vi.fn();
    const toasts: Toast[] = [
      { id: 1, kind: "info", text: "Copied" },
      { id: 2, kind: "error", text: "3 row(s) not saved", action: { label: "Show unsaved", run } },
    ];
    await act(async () => root.render(<ToastList toasts={toasts} onDismiss={onDismiss} />));

    const buttons = [...host.querySelectorAll("button")];
    expect(buttons.map((b) => b.textContent)).toEqual(["Show unsaved"]);
    expect(buttons[0]?.closest('[role="alert"]')?.textContent).toBe(
      "3 row(s) not savedShow unsaved",
    );
    await act(async () => buttons[0]?.click());
    expect(run).toHaveBeenCalledTimes(1);
    expect(onDismiss).toHaveBeenCalledWith(2);
  });
});
