import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Browser and multi-process tests hold ports and Chromium instances; two workers match the 2-core machines we run on.
    maxWorkers: 2,
  },
});
