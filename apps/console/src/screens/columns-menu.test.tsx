import { act, useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { type ColumnPrefs, columnsFor } from "../lib/columns";
import { ColumnsMenu } from "./columns-menu";
import { key, type Mounted, mountWithApp, typeInto } from "./screen-test-harness";

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

/** The menu as the grid holds it: every change is saved and shown. */
function Host(props: { saved: Partial<ColumnPrefs>[] }) {
  const [prefs, setPrefs] = useState<Partial<ColumnPrefs>>({});
  return (
    <ColumnsMenu
      available={columnsFor("generic")}
      prefs={prefs}
      onChange={(p) => {
        props.saved.push(p);
        setPrefs(p);
      }}
      onClose={() => {}}
    />
  );
}

describe("ColumnsMenu width", () => {
  it("takes a width typed digit by digit", async () => {
    const saved: Partial<ColumnPrefs>[] = [];
    m = await mountWithApp(<Host saved={saved} />);
    const box = m.host.querySelector<HTMLInputElement>('input[aria-label="Title width"]');
    if (!box) throw new Error("no width box");
    for (const typed of ["", "2", "20", "200"]) {
      await act(async () => typeInto(box, typed));
      expect(box.value).toBe(typed);
    }
    expect(saved.at(-1)?.widths).toEqual({ title: 200 });
    // Leaving the box shows the width in force.
    await act(async () => typeInto(box, "5"));
    await act(async () => box.dispatchEvent(new FocusEvent("focusout", { bubbles: true })));
    expect(box.value).toBe("200");
  });
});

/** The menu with the button that opens it, as the grid's toolbar holds them. */
function Anchored() {
  const [open, setOpen] = useState(true);
  const [prefs, setPrefs] = useState<Partial<ColumnPrefs>>({});
  return (
    <div className="popover-anchor">
      <button type="button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Columns
      </button>
      {open && (
        <ColumnsMenu
          available={columnsFor("generic")}
          prefs={prefs}
          onChange={setPrefs}
          onClose={() => setOpen(false)}
        />
      )}
    </div>
  );
}

describe("ColumnsMenu closed from the keyboard", () => {
  const opener = () =>
    m?.host.querySelector<HTMLButtonElement>("button[aria-expanded]") as HTMLButtonElement;

  it("gives the focus back to the Columns button on Esc", async () => {
    m = await mountWithApp(<Anchored />);
    const first = m.host.querySelector<HTMLInputElement>(".popover input");
    expect(document.activeElement).toBe(first);
    await act(async () => key(first as HTMLInputElement, "Escape"));

    expect(m.host.querySelector(".popover")).toBeNull();
    expect(document.activeElement).toBe(opener());
  });

  it("and on Done", async () => {
    m = await mountWithApp(<Anchored />);
    const done = [...m.host.querySelectorAll<HTMLButtonElement>(".popover button")].find(
      (b) => b.textContent === "Done",
    );
    await act(async () => {
      done?.focus();
      done?.click();
    });

    expect(m.host.querySelector(".popover")).toBeNull();
    expect(document.activeElement).toBe(opener());
  });
});

describe("ColumnsMenu in use", () => {
  it("keeps the focus on the control the seller changed", async () => {
    // As the grid holds it: a new onClose with every render that a change causes.
    m = await mountWithApp(<Anchored />);
    const boxes = [...m.host.querySelectorAll<HTMLInputElement>('.popover input[type="checkbox"]')];
    const third = boxes[2];
    if (!third) throw new Error("no third checkbox");
    await act(async () => {
      third.focus();
      third.click();
    });

    expect(m.host.querySelector(".popover")).not.toBeNull();
    expect(document.activeElement).toBe(third);
  });
});
