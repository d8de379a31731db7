import { useEffect, useState } from "react";
import { takesTyping } from "../lib/typing-target";
import { Dialog } from "./dialog";

const GROUPS: { title: string; keys: [string, string][] }[] = [
  {
    title: "Move and select",
    keys: [
      ["↑ ↓ ← →", "Move the cursor"],
      ["Tab / Shift+Tab", "Next / previous cell"],
      ["Shift+arrows, Shift+click", "Extend the selection"],
      ["Ctrl+A", "Select every row"],
      ["Home / End", "First / last column"],
      ["Ctrl+Home / Ctrl+End", "First / last cell"],
      ["PageUp / PageDown", "Move a screen"],
    ],
  },
  {
    title: "Edit",
    keys: [
      ["Enter, F2 or start typing", "Edit the cell"],
      ["Enter / Tab", "Save and move down / right"],
      ["Esc", "Cancel the edit"],
      ["Delete / Backspace", "Clear the selected cells"],
      ["Ctrl+D", "Fill down from the first selected row"],
      ["Ctrl+C / Ctrl+V", "Copy / paste tab-separated cells (Excel, Sheets)"],
      ["Ctrl+X", "Cut: copy the cells, then clear them"],
      ["Click a row number", "Select the row (Shift: every row up to it)"],
      ["Ctrl+Z / Ctrl+Y", "Undo / redo (cell edits and bulk actions)"],
    ],
  },
  {
    title: "Outside the grid and text boxes",
    keys: [
      ["?", "This sheet (from anywhere: the ? button in the top bar)"],
      ["/", "Search listings (on the Listings page)"],
    ],
  },
  {
    title: "Anywhere",
    keys: [["Ctrl+K", "Search by meaning (header)"]],
  },
  {
    // The grid screen listens for these; other pages have no history panel or bulk dialog.
    title: "On the Listings page",
    keys: [
      ["Ctrl+Shift+H", "Change history"],
      ["Ctrl+B", "Bulk actions"],
    ],
  },
];

/**
 * Whether the shortcut sheet is shown, and its setter. `?` toggles it, except where the key is text
 * (a text box, or a grid cell, which takes `?` as its value).
 */
export function useShortcutSheet(): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "?" || takesTyping(e.target)) return;
      e.preventDefault();
      setOpen((o) => !o);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
  return [open, setOpen];
}

/** The keyboard-shortcut reference opened with `?` or the top bar's ? button. */
export function ShortcutSheet({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose} wide>
      <div className="shortcut-grid">
        {GROUPS.map((g) => (
          <section key={g.title}>
            <h3>{g.title}</h3>
            <dl>
              {g.keys.map(([k, v]) => (
                <div key={k} className="shortcut-row">
                  <dt>
                    <kbd>{k}</kbd>
                  </dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Dialog>
  );
}
