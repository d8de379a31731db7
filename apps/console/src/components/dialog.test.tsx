import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { Dialog } from "./dialog";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement("div");
document.body.append(host);
const root = createRoot(host);
afterEach(async () => {
  await act(async () => root.render(null));
});

describe("Dialog", () => {
  it("puts the keyboard on the first control that can take it, skipping disabled ones", async () => {
    await act(async () =>
      root.render(
        <Dialog title="Bulk actions" onClose={() => {}}>
          <input type="radio" name="scope" aria-label="Selected rows" disabled />
          <input type="radio" name="scope" aria-label="All matching" defaultChecked />
        </Dialog>,
      ),
    );

    expect(document.activeElement?.getAttribute("aria-label")).toBe("All matching");
  });

  it("gives the focus back to what opened it when it closes", async () => {
    const opener = document.createElement("button");
    document.body.append(opener);
    opener.focus();
    await act(async () =>
      root.render(
        <Dialog title="Export" onClose={() => {}}>
          <select aria-label="Format" />
        </Dialog>,
      ),
    );
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Format");
    await act(async () => root.render(null));

    expect(document.activeElement).toBe(opener);
    opener.remove();
  });
});
