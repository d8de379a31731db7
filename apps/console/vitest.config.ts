import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "console",
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    exclude: ["e2e/**", "node_modules/**", "dist/**"],
  },
});
