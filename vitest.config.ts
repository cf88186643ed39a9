import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = fileURLToPath(new URL("./src/", import.meta.url));

export default defineConfig({
  resolve: {
    // The examples import the package by name, as users do; in the suite that name is this source tree.
    alias: [
      { find: /^wechat-login$/, replacement: `${src}index.ts` },
      { find: /^wechat-login\/(adapters|stores)\/(.+)$/, replacement: `${src}$1/$2.ts` },
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
