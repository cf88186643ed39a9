import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = fileURLToPath(new URL("./src/", import.meta.url));

export default defineConfig({
  // Examples import the package by its public name, as users do; tests run them against the sources.
  resolve: {
    alias: [
      { find: /^wechat-login$/, replacement: `${src}index.ts` },
      { find: /^wechat-login\/(adapters|stores)\/(.+)$/, replacement: `${src}$1/$2.ts` },
      { find: /^wechat-login\/(\w+)$/, replacement: `${src}$1/index.ts` },
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
