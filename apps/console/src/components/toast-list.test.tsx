import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Toast } from "../app-context";
import { ToastList, useToasts } from "./toast-list";

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

/** Raises an error toast in the mounted {@link Shell}. */
let raise: (() => void) | undefined;
/** The console's toasts as the shell draws them. */
function Shell() {
  const { toasts, toast, dismiss, hold } = useToasts();
  raise = () => toast("error", "2 row(s) not saved", { label: "Show unsaved", run() {} });
  return <ToastList toasts={toasts} onDismiss={dismiss} onHold={hold} />;
}

describe("useToasts", () => {
  it("keeps a toast while the keyboard is on its button, and lets it go after", async () => {
    vi.useFakeTimers();
    try {
      await act(async () => root.render(<Shell />));
      await act(async () => raise?.());
      const action = host.querySelector<HTMLButtonElement>(".toast-action");
      await act(async () => action?.focus());
      await act(async () => vi.advanceTimersByTime(20_000));
      expect(host.querySelector(".toast")).not.toBeNull();
      await act(async () => action?.blur());
      await act(async () => vi.advanceTimersByTime(2_500));
      expect(host.querySelector(".toast")).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("lets an error toast nobody touches go after 8 seconds", async () => {
    vi.useFakeTimers();
    try {
      await act(async () => root.render(<Shell />));
      await act(async () => raise?.());
      await act(async () => vi.advanceTimersByTime(7_900));
      expect(host.querySelector(".toast")).not.toBeNull();
      await act(async () => vi.advanceTimersByTime(200));
      expect(host.querySelector(".toast")).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
