import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { sourceFiles } from "./support/source-files.js";

const root = resolve(import.meta.dirname, "..");

interface Example {
  file: string;
  line: number;
  code: string;
}

/** Every `@example` of a TSDoc comment in src/, without its ``` fences and leading `*`. */
async function examples(): Promise<Example[]> {
  const found: Example[] = [];
  for (const file of await sourceFiles(join(root, "src"))) {
    const text = await readFile(file, "utf8");
    for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
      const lines = comment[0].split("\n").map((line) => line.replace(/^\s*\/?\*+\/?\s?/, ""));
      lines.forEach((line, index) => {
        if (!line.startsWith("@example")) return;
        const body: string[] = [];
        for (const next of lines.slice(index + 1)) {
          if (next.startsWith("@")) break;
          body.push(next);
        }
        const code = body
          .filter((line) => !line.startsWith("```"))
          .join("\n")
          .trim();
        const at = text.slice(0, comment.index).split("\n").length + index;
        if (code) found.push({ file: relative(root, file), line: at, code });
      });
    }
  }
  return found;
}

/** The names an example may use without importing them: every export of the module it documents, then of the package's public entries. */
function exportedNames(program: ts.Program, files: readonly string[]): Map<string, string> {
  const checker = program.getTypeChecker();
  const names = new Map<string, string>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const symbol = source && checker.getSymbolAtLocation(source);
    if (!symbol) continue;
    for (const exported of checker.getExportsOfModule(symbol)) {
      if (!names.has(exported.name)) names.set(exported.name, file);
    }
  }
  return names;
}

/** `wechat-login/<path>` as the source file the package's exports map it to (relative to a file at the root). */
function entryOf(path: string): string {
  const entry = exportsMap[`.${path}`] ?? {};
  const target = entry.default ?? entry.import ?? "./dist/index.js";
  return target.replace(/^\.\/dist\//, "./src/");
}

const exportsMap: Record<string, { default?: string; import?: string }> = JSON.parse(
  await readFile(join(root, "package.json"), "utf8"),
).exports;

const PUBLIC_ENTRIES = [
  "src/index.ts",
  "src/client/index.ts",
  "src/stores/index.ts",
  "src/protocol/index.ts",
];

describe("TSDoc @example blocks", () => {
  it("type-check against the code they document", async () => {
    const all = await examples();
    expect(all.length).toBeGreaterThan(40);
    const virtual = new Map<string, string>();
    const sources = (await sourceFiles(join(root, "src"))).map((file) => resolve(file));
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      // How an app's bundler or tsx reads them (Next.js' `next/headers` has no .js subpath).
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: ["node"],
      skipLibCheck: true,
    };
    const base = ts.createProgram(sources, options);
    all.forEach((example, index) => {
      const documented = resolve(root, example.file);
      const names = exportedNames(base, [documented, ...PUBLIC_ENTRIES.map((entry) => resolve(root, entry))]);
      const used = [...names].filter(([name]) => new RegExp(`\\b${name}\\b`).test(example.code));
      const imports = used
        .map(([name, from]) => {
          const specifier = `./${relative(root, from).replace(/\.ts$/, ".js")}`;
          return `import { ${name} } from "${specifier}";`;
        })
        .join("\n");
      // An example's own imports go to the top, the package's names read as our sources.
      const lines = example.code.split("\n");
      const own = lines
        .filter((line) => /^import\s/.test(line))
        .map((line) => line.replace(/"wechat-login(\/[^"]*)?"/, (_, path = "") => `"${entryOf(path)}"`));
      // Examples are fragments: run them inside an async function, and let lowercase names
      // (client, code, openid, req…) stand for the reader's own values.
      const body = lines
        .filter((line) => !/^import\s/.test(line))
        .join("\n")
        .replace(/^export\s+/gm, "");
      const ownNames = own.join("\n");
      // A name the example imports itself is not imported twice.
      const ours = imports
        .split("\n")
        .filter((line) => line && !new RegExp(`\\b${line.slice(9).split(" ")[0]}\\b`).test(ownNames));
      // WxLogin is the browser global that WeChat's wxLogin.js defines.
      const header = [...ours, ...own, "declare class WxLogin { constructor(options: unknown); }"].join("\n");
      virtual.set(
        resolve(root, `__example_${index}.ts`),
        `${header}\nexport async function example() {\n${body}\n}\n`,
      );
    });
    const host = ts.createCompilerHost(options);
    const readFileOriginal = host.readFile.bind(host);
    const fileExistsOriginal = host.fileExists.bind(host);
    host.readFile = (name) => virtual.get(resolve(name)) ?? readFileOriginal(name);
    host.fileExists = (name) => virtual.has(resolve(name)) || fileExistsOriginal(name);
    const program = ts.createProgram([...virtual.keys()], options, host, base);
    const problems: string[] = [];
    [...virtual.keys()].forEach((name, index) => {
      const example = all[index]!;
      for (const diagnostic of ts.getPreEmitDiagnostics(program, program.getSourceFile(name))) {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
        // A free lowercase name is the reader's value; an unknown capitalised one is a missing export.
        if ([2304, 2552, 18004].includes(diagnostic.code) && /'[a-z_$][\w$]*'/.test(message)) continue;
        // The reader's own modules (a Next.js `@/lib/login`).
        if (diagnostic.code === 2307 && message.includes("'@/")) continue;
        // Values of a free name are `any`; what is checked is our API around them.
        if ([7005, 7006, 7031, 18046, 2454, 6133, 6192].includes(diagnostic.code)) continue;
        problems.push(`${example.file}:${example.line}: ${message}`);
      }
    });
    expect(problems).toEqual([]);
  }, 120_000);
});
