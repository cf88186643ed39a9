import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import MarkdownIt from "markdown-it";

export const root = join(import.meta.dirname, "..", "..");

/**
 * What a code block's marker says it is. The marker is an HTML comment on the line(s) right before the
 * fence: `<!-- test: project=express file=login.ts -->`.
 * - `file=PATH`: written to PATH in a fresh project of shape `project`;
 * - `run`: a command the reader runs to completion in that project (install, type check);
 * - `background`: a command that keeps running (a server: "in another terminal");
 * - `same-as=PATH`: equal to that repository file, which the suite runs;
 * - `skip="reason"`: not meant to be run as it stands; the reason says why.
 */
export type Marker =
  | { kind: "file"; project: string; file: string }
  | { kind: "run"; project: string }
  | { kind: "background"; project: string }
  | { kind: "same-as"; path: string }
  | { kind: "skip"; reason: string };

export interface CodeBlock {
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  marker: Marker | undefined;
  /** Set when a comment starts with `test:` but does not parse: reported, never ignored. */
  markerError?: string;
}

const parser = new MarkdownIt({ html: true });

function parseMarker(text: string): Marker | string {
  const fields = new Map<string, string>();
  for (const match of text.matchAll(/(\w[\w-]*)(?:=(?:"([^"]*)"|(\S+)))?/g)) {
    fields.set(match[1]!, match[2] ?? match[3] ?? "");
  }
  const project = fields.get("project");
  if (fields.has("skip")) {
    const reason = fields.get("skip")!;
    return reason.length >= 10 ? { kind: "skip", reason } : 'skip needs a reason (skip="…")';
  }
  if (fields.has("same-as")) return { kind: "same-as", path: fields.get("same-as")! };
  if (!project) return "needs project=…, same-as=… or skip=…";
  if (fields.has("file")) return { kind: "file", project, file: fields.get("file")! };
  if (fields.has("run")) return { kind: "run", project };
  if (fields.has("background")) return { kind: "background", project };
  return "needs file=…, run or background";
}

/** Every fenced code block of a markdown file, with the marker before it. */
export function codeBlocks(doc: string): CodeBlock[] {
  const tokens = parser.parse(readFileSync(join(root, doc), "utf8"), {});
  const blocks: CodeBlock[] = [];
  for (const [index, token] of tokens.entries()) {
    if (token.type !== "fence") continue;
    const block: CodeBlock = {
      doc,
      line: (token.map?.[0] ?? 0) + 1,
      lang: token.info.trim().split(/\s+/)[0] ?? "",
      code: token.content,
      marker: undefined,
    };
    // A marker in a list item is its own paragraph-less html_block just before the fence, like at top level.
    const previous = tokens[index - 1];
    const comment =
      previous?.type === "html_block" ? /^<!--\s*test:(.*?)-->\s*$/s.exec(previous.content) : null;
    if (comment) {
      const marker = parseMarker(comment[1]!.trim());
      if (typeof marker === "string") block.markerError = marker;
      else block.marker = marker;
    }
    blocks.push(block);
  }
  return blocks;
}

/** README.md, README.zh-CN.md and every docs/**\/*.md (the generated API reference excluded). */
export function documents(): string[] {
  const docs = ["README.md", "README.zh-CN.md"];
  for (const entry of readdirSync(join(root, "docs"), { recursive: true, withFileTypes: true })) {
    const path = relative(root, join(entry.parentPath, entry.name));
    if (entry.isFile() && path.endsWith(".md") && !path.startsWith("docs/api/")) docs.push(path);
  }
  return docs.sort();
}

/** The English guide a zh-CN one translates: `x.zh-CN.md` → `x.md`. */
export function englishTwin(doc: string): string | undefined {
  return doc.endsWith(".zh-CN.md") ? doc.replace(/\.zh-CN\.md$/, ".md") : undefined;
}

/** Languages whose blocks are code a reader runs or copies: each needs a marker. */
export const RUNNABLE_LANGS = new Set(["ts", "tsx", "js", "mjs", "cjs", "sh", "bash", "shell", "json"]);
