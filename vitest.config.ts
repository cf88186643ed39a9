import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const exportsMap: Record<string, { default?: string }> = JSON.parse(
  readFileSync(new URL("./package.json", import.meta.url), "utf8"),
).exports;

export default defineConfig({
  // Examples import the package by its public names, as users do; tests run them against the sources
  // (each `exports` entry's ./dist/….js read as ./src/….ts).
  plugins: [
    {
      name: "wechat-login-sources",
      // Before Vite's resolver, which would otherwise look for the unbuilt ./dist entry of the bare name and fail.
      enforce: "pre",
      resolveId(id) {
        if (id !== "wechat-login" && !id.startsWith("wechat-login/")) return null;
        const target = exportsMap[`.${id.slice("wechat-login".length)}`]?.default;
        if (!target) return null;
        const source = target.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
        return fileURLToPath(new URL(source, import.meta.url));
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Browser and multi-process tests hold ports and Chromium instances; two workers match the 2-core machines we run on.
    maxWorkers: 2,
  },
});
