import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./packed.js";

// install.test.ts builds and runs examples/nestjs against the packed package; this keeps the guide's code
// the example's, so the guide is what was run. The zh-CN guide translates comments only.
const example = join(root, "examples/nestjs/src");

/** The guide's ```ts blocks that open with `// <file>.ts`, by file name. */
function quotedFiles(markdown: string): Map<string, string> {
  const quoted = new Map<string, string>();
  for (const [, code] of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ ([\w.-]+\.ts)/.exec(code ?? "")?.[1];
    if (name) quoted.set(name, code!);
  }
  return quoted;
}

const withoutComments = (code: string) =>
  code
    .split("\n")
    .map((line) => line.replace(/(^|\s+)\/\/ .*$/, ""))
    .filter((line) => line !== "")
    .join("\n");

describe("the NestJS guide", () => {
  it.each([
    ["docs/frameworks/nestjs.md", (code: string) => code],
    ["docs/frameworks/nestjs.zh-CN.md", withoutComments],
  ])("%s quotes every file of examples/nestjs/src as it is", async (guide, compared) => {
    const quoted = quotedFiles(await readFile(join(root, guide), "utf8"));
    const files = (await readdir(example)).sort();
    expect([...quoted.keys()].sort()).toEqual(files);
    for (const file of files) {
      expect(compared(quoted.get(file)!), file).toBe(compared(await readFile(join(example, file), "utf8")));
    }
  });
});
