import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { sourceFiles } from "../support/source-files.js";

const root = resolve(import.meta.dirname, "../..");
const emulatorDir = join(root, "src/emulator");

// DESIGN.md: the emulator is written from the spec, not from the client; it may take only
// constants (and types) from protocol/, never logic.
const ALLOWED_VALUE_IMPORTS = new Set(["src/protocol/hosts.ts", "src/protocol/errcodes.ts"]);
const ALLOWED_VALUE_NAMES = new Set([
  "PATHS",
  "ERRCODES",
  "DEFAULT_OPEN_BASE",
  "DEFAULT_API_BASE",
  "WECHAT_HOSTS",
]);

describe("src/emulator layering", () => {
  it("imports nothing of ours outside src/emulator but protocol constants and types", async () => {
    const violations: string[] = [];
    for (const file of await sourceFiles(emulatorDir)) {
      const text = await readFile(file, "utf8");
      for (const match of text.matchAll(/^import\s+(type\s+)?([^;]*?)\s+from\s+"([^"]+)";/gm)) {
        const [, typeOnly, names = "", specifier = ""] = match;
        if (!specifier.startsWith(".")) continue;
        const target = relative(root, resolve(dirname(file), specifier)).replace(/\.js$/, ".ts");
        if (target.startsWith("src/emulator/")) continue;
        if (typeOnly) {
          if (!target.startsWith("src/protocol/")) violations.push(`${relative(root, file)} → ${target}`);
          continue;
        }
        const values = names
          .replace(/[{}]/g, "")
          .split(",")
          .map((name) => name.trim())
          .filter((name) => name && !name.startsWith("type "));
        if (!ALLOWED_VALUE_IMPORTS.has(target) || values.some((name) => !ALLOWED_VALUE_NAMES.has(name))) {
          violations.push(`${relative(root, file)} → ${target} (${values.join(", ")})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
