import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

const root = join(import.meta.dirname, "..", "..");

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) yield path;
  }
}

/**
 * Compiles `src/<dirs>` to plain ESM that a child `node` process can import
 * (Node 20 cannot run TypeScript), for tests that need several real
 * processes. The output sits under node_modules/.cache so it resolves the
 * project's dependencies. Types are not checked here; `npm run typecheck` does that.
 */
export function transpileSources(dirs: string[]): { outDir: string; remove(): void } {
  const outDir = join(root, "node_modules", ".cache", "wechat-login-tests", `${process.pid}-${Date.now()}`);
  for (const dir of dirs) {
    for (const file of sourceFiles(join(root, "src", dir))) {
      const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2023,
          verbatimModuleSyntax: true,
        },
        fileName: file,
      });
      const target = join(outDir, relative(join(root, "src"), file)).replace(/\.ts$/, ".js");
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
  }
  writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n');
  return { outDir, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}
