import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { sourceFiles } from "./support/source-files.js";

const root = resolve(import.meta.dirname, "..");

/** The "Layers" table of docs/architecture.md: layer → the layers it may import. */
async function documentedLayers(): Promise<Map<string, Set<string>>> {
  const text = await readFile(join(root, "docs/architecture.md"), "utf8");
  const table = text.slice(text.indexOf("<!-- layers:"));
  const layers = new Map<string, Set<string>>();
  for (const line of table.split("\n").slice(1)) {
    if (!line.startsWith("|")) {
      if (layers.size > 0) break;
      continue;
    }
    const [layer = "", allowed = ""] = line
      .split("|")
      .slice(1)
      .map((cell) => cell.trim());
    if (layer === "layer" || layer.startsWith("---")) continue;
    layers.set(layer, new Set(allowed === "—" ? [] : allowed.split(",").map((name) => name.trim())));
  }
  return layers;
}

function layerOf(file: string): string {
  const parts = relative(join(root, "src"), file).split("/");
  return parts.length === 1 ? "root" : parts[0]!;
}

describe("the layering of docs/architecture.md", () => {
  it("documents every folder of src/", async () => {
    const layers = await documentedLayers();
    const folders = new Set((await sourceFiles(join(root, "src"))).map(layerOf));
    expect([...folders].filter((folder) => !layers.has(folder))).toEqual([]);
  });

  it("holds for every import in src/", async () => {
    const layers = await documentedLayers();
    const violations: string[] = [];
    for (const file of await sourceFiles(join(root, "src"))) {
      const text = await readFile(file, "utf8");
      const from = layerOf(file);
      // Static imports, re-exports and dynamic imports of our own modules.
      for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"(\.{1,2}\/[^"]+)"/g)) {
        const to = layerOf(resolve(dirname(file), match[1]!));
        if (to !== from && !layers.get(from)?.has(to)) violations.push(`${relative(root, file)} → ${to}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("catches a crossing import (the check itself works)", async () => {
    const layers = await documentedLayers();
    expect(layers.get("protocol")?.size).toBe(0);
    expect(layers.get("client")?.has("flow")).toBe(false);
    expect(layers.get("flow")?.has("client")).toBe(true);
  });
});
