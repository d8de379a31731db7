import { act, useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { type ColumnPrefs, columnsFor } from "../lib/columns";
import { ColumnsMenu } from "./columns-menu";
import { type Mounted, mountWithApp, typeInto } from "./screen-test-harness";

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
