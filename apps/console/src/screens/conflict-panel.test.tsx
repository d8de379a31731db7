import { act, useState } from "react";
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

/** The panel as the grid holds it: a choice takes the conflict away. */
function Host(props: { conflicts: Conflict[]; onLeave: () => void }) {
  const [list, setList] = useState(props.conflicts);
  if (!list.length) return null;
  return (
    <ConflictPanel
      conflicts={list}
      onResolve={(c) => setList((cs) => cs.filter((x) => x.rowId !== c.rowId))}
      onLeave={props.onLeave}
    />
  );
}

describe("ConflictPanel from the keyboard", () => {
  it("moves the focus to the next conflict's button, and out when the last one goes", async () => {
    host = document.createElement("div");
    document.body.append(host);
    const row = (id: string, title: string) => ({ ...theirs, id, title }) as Row;
    const conflicts: Conflict[] = ["a", "b"].map((id) => ({
      rowId: id,
      mine: { price: 19.99 },
      theirs: row(id, `Lamp ${id}`),
    }));
    let left = 0;
    const root = createRoot(host);
    await act(async () => root.render(<Host conflicts={conflicts} onLeave={() => left++} />));
    const press = async (label: string) => {
      const b = [...host.querySelectorAll("button")].find((x) => x.textContent === label);
      await act(async () => {
        b?.focus();
        b?.click();
      });
    };

    await press("Take theirs");
    expect(document.activeElement?.textContent).toBe("Take theirs");
    expect(document.activeElement?.closest("li")?.textContent).toContain("Lamp b");
    expect(left).toBe(0);

    await press("Keep mine");
    expect(host.querySelector('[data-testid="conflicts"]')).toBeNull();
    expect(left).toBe(1);
    await act(async () => root.unmount());
  });
});
