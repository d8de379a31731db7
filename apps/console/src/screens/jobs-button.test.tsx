import { afterEach, describe, expect, it, vi } from "vitest";
import { announceJob } from "../lib/jobs";
import { JobsButton } from "./jobs-panel";
import { type Mounted, mountWithApp, settle, until } from "./screen-test-harness";

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
    m = await mountWithApp(<JobsButton />);
    await until(() => api.exports.list.query.mock.calls.length === 1);
    // The seller starts an export while the first load is still on its way.
    announceJob();
    firstAnswer({ items: [] });
    await settle();
    await until(() => !!m?.host.querySelector('[data-testid="jobs-running"]'), 2000);
    expect(m.host.querySelector('[data-testid="jobs-running"]')?.textContent).toBe("1");
  });
});
