import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { type ExportFormat, type ExportListing, exportListings } from "../src/index";

function counted(total: number) {
  const state = { pulled: 0 };
  async function* gen(): AsyncGenerator<ExportListing> {
    for (let i = 0; i < total; i++) {
      state.pulled++;
      yield {
        title: `Item ${i} ${"x".repeat(80)}`,
        price: "12.50",
        description: "d".repeat(150),
        sku: `S${i}`,
      };
    }
  }
  return { state, gen };
}

describe("streaming writers", () => {
  for (const format of ["csv", "json", "sql", "text", "xlsx"] as ExportFormat[]) {
    it(`${format} stops pulling listings while nobody reads the output`, async () => {
      const total = 60_000;
      const { state, gen } = counted(total);
      const r = await exportListings(gen(), { format });
      // Give the producer time to fill every buffer, until two looks agree (or 20 s pass).
      let last = -1;
      for (let waited = 0; waited < 20_000 && state.pulled !== last; waited += 500) {
        last = state.pulled;
        await sleep(500);
      }
      expect(state.pulled).toBe(last);
      expect(last).toBeLessThan(total / 2);
      let bytes = 0;
      for await (const c of r.stream) bytes += (c as Buffer).length;
      expect(state.pulled).toBe(total);
      expect(bytes).toBeGreaterThan(total * 10);
    }, 45_000);
  }
});
