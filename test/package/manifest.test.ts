import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./packed.js";

interface Entry {
  types: string;
  require: string;
  default: string;
}

const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
  main: string;
  types: string;
  exports: Record<string, Entry | string>;
  typesVersions: { "*": Record<string, string[]> };
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const entries = Object.entries(manifest.exports).filter(
  (pair): pair is [string, Entry] => typeof pair[1] !== "string",
);

// `exports` is what Node, bundlers and TypeScript (node16/nodenext/bundler) read. Older tools read only
// `main`/`types`, and TypeScript's node10 resolution (a `module: commonjs` tsconfig, Nest 10's) only
// `typesVersions`: those mirror `exports`, entry for entry.
describe("package.json", () => {
  it("loads one build, whichever way it is loaded: require and import (default) name the same file", () => {
    for (const [subpath, entry] of entries) {
      expect(Object.keys(entry), subpath).toEqual(["types", "require", "default"]);
      expect(entry.require, subpath).toBe(entry.default);
    }
  });

  it("gives tools that predate `exports` the same entry points", () => {
    expect({ main: manifest.main, types: manifest.types }).toEqual({
      main: (manifest.exports["."] as Entry).default,
      types: (manifest.exports["."] as Entry).types,
    });
    const subpaths = Object.fromEntries(
      entries
        .filter(([subpath]) => subpath !== ".")
        .map(([subpath, entry]) => [subpath.slice(2), [entry.types]]),
    );
    expect(manifest.typesVersions["*"]).toEqual(subpaths);
  });

  it("installs no store driver: each is an optional peer, kept as a devDependency for this repository", () => {
    for (const driver of ["better-sqlite3", "ioredis", "pg"]) {
      expect(manifest.dependencies[driver], driver).toBeUndefined();
      expect(manifest.peerDependencies[driver], driver).toBeDefined();
      expect(manifest.peerDependenciesMeta[driver]?.optional, driver).toBe(true);
      expect(manifest.devDependencies[driver], driver).toBeDefined();
    }
    // 13 crashes on Node 20, which we support.
    expect(manifest.peerDependencies["better-sqlite3"]).toBe("^12.0.0");
    expect(manifest.scripts.prepack).toMatch(/npm run build/);
  });

  it("installs no certificate library: only the emulator's proxy needs node-forge, an optional peer", () => {
    expect(manifest.dependencies["node-forge"]).toBeUndefined();
    expect(manifest.peerDependenciesMeta["node-forge"]?.optional).toBe(true);
    expect(manifest.devDependencies["node-forge"]).toBeDefined();
  });
});
