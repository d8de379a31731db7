import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: [
            "packages/*/src/**/*.test.ts",
            "packages/*/test/**/*.test.ts",
            "apps/{api,worker}/src/**/*.test.ts",
            "scripts/**/*.test.ts",
            "apps/api/test/**/*.test.ts",
          ],
          globalSetup: ["./vitest.global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: "forks",
        },
      },
      "apps/console",
    ],
  },
});
