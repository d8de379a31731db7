import { defineConfig } from "vitest/config";

/**
 * Suites that wait on background work against real services (the search index: Chroma, a worker,
 * the OpenAI stand-in) with bounds of their own. They run after everything else, one file at a
 * time, so what they measure is not the rest of the run loading the machine.
 */
const AFTER_THE_REST = [
  "apps/api/src/routes/search.test.ts",
  "apps/api/src/routes/search-openai.test.ts",
  "apps/worker/src/processors/search-index.test.ts",
  "apps/worker/src/processors/search-embedder-change.test.ts",
  "apps/worker/src/processors/search-new-index.test.ts",
  "apps/worker/src/processors/search-rebuild-serial.test.ts",
];

const node = {
  globalSetup: ["./vitest.global-setup.ts"],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: "forks" as const,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...node,
          name: "node",
          include: [
            "packages/*/src/**/*.test.ts",
            "packages/*/test/**/*.test.ts",
            "apps/{api,worker}/src/**/*.test.ts",
            "scripts/**/*.test.ts",
            "apps/api/test/**/*.test.ts",
          ],
          exclude: ["**/node_modules/**", ...AFTER_THE_REST],
        },
      },
      "apps/console",
      {
        test: {
          ...node,
          name: "background",
          include: AFTER_THE_REST,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
