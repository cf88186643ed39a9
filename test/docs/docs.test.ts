import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GUIDE_PROJECTS } from "./guide-projects.js";
import { type CodeBlock, codeBlocks, documents, englishTwin, RUNNABLE_LANGS, root } from "./markdown.js";
import { codeWithoutComments } from "./normalize.js";

const where = (block: CodeBlock) => `${block.doc}:${block.line}`;
const docs = documents();

describe("every code block a reader runs is run by the suite", () => {
  it("finds the guides", () => {
    expect(docs).toContain("README.md");
    expect(docs).toContain("docs/frameworks/express.zh-CN.md");
    expect(docs.length).toBeGreaterThanOrEqual(20);
  });

  it.each(docs)("%s: each ts/js/sh/json block says what it is", (doc) => {
    const problems = codeBlocks(doc)
      .filter((block) => block.markerError || (RUNNABLE_LANGS.has(block.lang) && !block.marker))
      .map(
        (block) => `${where(block)} (${block.lang}): ${block.markerError ?? "no <!-- test: … --> marker"}`,
      );
    expect(problems).toEqual([]);
  });

  it.each(docs)("%s: a same-as block is the file it names", (doc) => {
    for (const block of codeBlocks(doc)) {
      if (block.marker?.kind !== "same-as") continue;
      expect(block.code, where(block)).toBe(readFileSync(join(root, block.marker.path), "utf8"));
    }
  });

  it("every project a block is marked for is built by test/docs/fresh-projects.test.ts", () => {
    const built = new Set(GUIDE_PROJECTS.map((guide) => `${guide.doc} ${guide.project}`));
    const unbuilt = docs
      .filter((doc) => !englishTwin(doc))
      .flatMap(codeBlocks)
      .filter((block) => block.marker && "project" in block.marker)
      .filter((block) => !built.has(`${block.doc} ${(block.marker as { project: string }).project}`))
      .map(where);
    expect(unbuilt).toEqual([]);
  });
});

/**
 * Guides outside docs/frameworks/ that need a zh-CN twin. troubleshooting.md holds both languages in one file;
 * architecture.md and protocol.md are for contributors.
 */
const TRANSLATED_GUIDES = new Set([
  "docs/production.md",
  "docs/security.md",
  "docs/stores.md",
  "docs/client.md",
  "docs/emulator.md",
  "docs/emulator-drop-in.md",
  "docs/miniprogram.md",
  "docs/follow-login.md",
  "docs/gateway.md",
]);

// zh-CN guides are tested through their English twin: the code is the same, only the comments are translated.
describe("each zh-CN guide has its English twin's code", () => {
  const twins = docs.flatMap((doc) => {
    const english = englishTwin(doc);
    return english ? [[doc, english] as const] : [];
  });

  it("every guide has both languages", () => {
    const english = docs.filter((doc) => !englishTwin(doc) && doc !== "README.md");
    const missing = english.filter((doc) => !docs.includes(doc.replace(/\.md$/, ".zh-CN.md")));
    expect(missing.filter((doc) => doc.startsWith("docs/frameworks/") || TRANSLATED_GUIDES.has(doc))).toEqual(
      [],
    );
    expect(docs).toContain("README.zh-CN.md");
  });

  it.each(twins)("%s ≡ %s", (zh, en) => {
    const runnable = (doc: string) => codeBlocks(doc).filter((block) => RUNNABLE_LANGS.has(block.lang));
    const shape = (blocks: CodeBlock[]) =>
      blocks.map((block) => ({
        lang: block.lang,
        marker: block.marker?.kind === "skip" ? { kind: "skip" } : block.marker,
        code: codeWithoutComments(block.lang, block.code),
      }));
    expect(shape(runnable(zh))).toEqual(shape(runnable(en)));
  });
});
