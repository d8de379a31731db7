import { act, useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { announceJob } from "../lib/jobs";
import { JobsButton } from "./jobs-panel";
import { key, type Mounted, mountWithApp, settle, until } from "./screen-test-harness";

const api = vi.hoisted(() => ({
  imports: { list: { query: vi.fn() }, byId: { query: vi.fn() } },
  exports: { list: { query: vi.fn() }, byId: { query: vi.fn() } },
  ocr: { list: { query: vi.fn() } },
}));
vi.mock("../api/client", () => ({ api }));

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const exportJob = {
  id: "exp-1",
  format: "csv",
  marketplace: null,
  status: "running",
  progress: { processed: 1, total: 4 },
  rowCount: null,
  fileName: null,
  downloadUrl: null,
  error: null,
  createdAt: "2026-01-01T00:00:00.000Z",
};

describe("JobsButton", () => {
  it("loads again when a job starts while a load is running, so the new job shows at once", async () => {
    let firstAnswer: (v: unknown) => void = () => {};
    api.imports.list.query.mockResolvedValue({ items: [] });
    api.ocr.list.query.mockResolvedValue({ items: [] });
    api.exports.byId.query.mockResolvedValue(exportJob);
    api.exports.list.query
      .mockImplementationOnce(
        () =>
          new Promise((r) => {
            firstAnswer = r;
          }),
      )
      .mockResolvedValue({ items: [exportJob] });
    m = await mountWithApp(<JobsButton page="/" />);
    await until(() => api.exports.list.query.mock.calls.length === 1);
    // The seller starts an export while the first load is still on its way.
    announceJob();
    firstAnswer({ items: [] });
    await settle();
    await until(() => !!m?.host.querySelector('[data-testid="jobs-running"]'), 2000);
    expect(m.host.querySelector('[data-testid="jobs-running"]')?.textContent).toBe("1");
  });
});

/** The Jobs button on a page the test can change, as the shell's navigation does. */
function OnPage() {
  const [page, setPage] = useState("/");
  return (
    <>
      <button type="button" data-testid="elsewhere" onClick={() => setPage("/import")}>
        Import
      </button>
      <JobsButton page={page} />
    </>
  );
}

describe("JobsButton panel", () => {
  const jobsButton = () =>
    m?.host.querySelector<HTMLButtonElement>('button[aria-controls="jobs-panel"]') as
      | HTMLButtonElement
      | undefined;
  const panel = () => m?.host.querySelector('[data-testid="jobs-panel"]') ?? null;

  async function openPanel() {
    api.imports.list.query.mockResolvedValue({ items: [] });
    api.ocr.list.query.mockResolvedValue({ items: [] });
    api.exports.list.query.mockResolvedValue({ items: [] });
    m = await mountWithApp(<OnPage />);
    const b = jobsButton() as HTMLButtonElement;
    await act(async () => {
      b.focus();
      b.click();
    });
    await settle();
    expect(panel()).not.toBeNull();
    return b;
  }

  it("closes on Escape pressed with the focus still on the Jobs button", async () => {
    const b = await openPanel();
    await act(async () => key(b, "Escape"));
    expect(panel()).toBeNull();
    expect(document.activeElement).toBe(b);
    expect(b.getAttribute("aria-expanded")).toBe("false");
  });

  it("closes on Escape pressed inside the panel and gives the focus back to the Jobs button", async () => {
    const b = await openPanel();
    const inside = panel()?.querySelector<HTMLButtonElement>("button") as HTMLButtonElement;
    await act(async () => inside.focus());
    await act(async () => key(inside, "Escape"));
    expect(panel()).toBeNull();
    expect(document.activeElement).toBe(b);
  });

  it("closes on a click outside it, and stays open for a click inside it", async () => {
    await openPanel();
    const down = (el: Element) =>
      act(async () => {
        el.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, button: 0 }));
      });
    await down(panel()?.querySelector("h2") as Element);
    expect(panel()).not.toBeNull();
    await down(document.body);
    expect(panel()).toBeNull();
  });

  it("closes when the seller goes to another page", async () => {
    await openPanel();
    const away = m?.host.querySelector<HTMLButtonElement>('[data-testid="elsewhere"]');
    await act(async () => away?.click());
    expect(panel()).toBeNull();
  });
});
