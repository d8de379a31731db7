import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import type { Row } from "../lib/columns";
import type { Conflict } from "../lib/save-logic";
import { ConflictPanel } from "./conflict-panel";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const theirs = { id: "x", title: "Desk lamp", price: 25, version: 7 } as unknown as Row;

let host: HTMLDivElement;
afterEach(() => host?.remove());

describe("ConflictPanel", () => {
  it("shows my value beside theirs and reports the choice", async () => {
    host = document.createElement("div");
    document.body.append(host);
    const chosen: string[] = [];
    const conflicts: Conflict[] = [{ rowId: "x", mine: { price: 19.99 }, theirs }];
    const root = createRoot(host);
    await act(async () =>
      root.render(
        <ConflictPanel conflicts={conflicts} onResolve={(_c, choice) => chosen.push(choice)} />,
      ),
    );
    expect(host.querySelector(".mine")?.textContent).toBe("19.99");
    expect(host.querySelector(".theirs")?.textContent).toBe("25");
    expect(host.textContent).toContain("v7");
    const buttons = [...host.querySelectorAll("button")];
    await act(async () => buttons.find((b) => b.textContent === "Keep mine")?.click());
    await act(async () => buttons.find((b) => b.textContent === "Take theirs")?.click());
    expect(chosen).toEqual(["mine", "theirs"]);
    await act(async () => root.unmount());
  });
});
