import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./packed.js";

// The registry page shows the READMEs without the repository around them, and the CLI runs from
// node_modules: their links must be absolute, and each must name a file this repository has.
const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
  repository: { url: string };
  homepage: string;
  bugs: { url: string };
};
const repository = manifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");

/** `path` of every `${repository}/blob|tree/main/<path>` in `text`. */
const repositoryPaths = (text: string) =>
  [...text.matchAll(new RegExp(`${repository}/(?:blob|tree)/main/([^)\\s"'\`（）]+)`, "g"))].map(
    (m) => m[1]!,
  );

describe("links that leave the repository", () => {
  it("package.json names the repository, its home page and its issues alike", () => {
    expect(repository).toMatch(/^https:\/\/github\.com\/[\w-]+\/[\w-]+$/);
    expect(manifest.homepage.startsWith(`${repository}#`)).toBe(true);
    expect(manifest.bugs.url).toBe(`${repository}/issues`);
  });

  it.each(["README.md", "README.zh-CN.md"])("%s links absolutely, to files that exist", async (readme) => {
    const text = await readFile(join(root, readme), "utf8");
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(5);
    expect(targets.filter((target) => !/^(https?:|#)/.test(target))).toEqual([]);
    const paths = repositoryPaths(text);
    expect(paths.length).toBeGreaterThan(5);
    // An anchor (`#限流`) names a heading inside the file; the file is what must exist.
    for (const path of paths) await expect(stat(join(root, path.split("#")[0]!)), path).resolves.toBeTruthy();
  });

  it("the CLI's links point into the repository, at files that exist", async () => {
    const text = await readFile(join(root, "src/cli/messages.ts"), "utf8");
    expect(text).not.toMatch(/[ (（]docs\/[\w.-]+\.md/);
    const paths = repositoryPaths(text);
    expect(paths).toContain("docs/emulator.md");
    // An anchor (`#限流`) names a heading inside the file; the file is what must exist.
    for (const path of paths) await expect(stat(join(root, path.split("#")[0]!)), path).resolves.toBeTruthy();
  });
});
