import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Examples import the package by its public name, as users do; tests run them against the sources.
  resolve: {
    alias: [
      {
        find: /^wechat-login\/(\w+)$/,
        replacement: fileURLToPath(new URL("./src/$1/index.ts", import.meta.url)),
      },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Browser and multi-process tests hold ports and Chromium instances; two workers match the 2-core machines we run on.
    maxWorkers: 2,
  },
});
