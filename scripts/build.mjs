// npm run build: the package's dist/, one CommonJS build that `require` and `import` both load.
//
// Why one CommonJS build and no second ESM copy: Node >= 20.18.1 is supported, and Node 20.18 cannot require()
// an ES module, so CommonJS callers need CommonJS. ES modules import CommonJS everywhere (named exports included),
// so one build serves both, and an app whose code mixes `require` and `import` still gets one copy of the package:
// `instanceof ConfigError` holds across them, and a store or a refresh lock is never duplicated.
//
//   node scripts/build.mjs [--out-dir dir] [--no-types] [--no-clean]
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    "out-dir": { type: "string" },
    "no-types": { type: "boolean" },
    "no-clean": { type: "boolean" },
  },
  strict: true,
});
const outDir = resolve(root, values["out-dir"] ?? "dist");
const tsc = (project) =>
  execFileSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", project, "--outDir", outDir],
    {
      cwd: root,
      stdio: "inherit",
    },
  );

// A clean slate, so a file whose source was deleted does not linger in the package. Tests that rebuild dist/
// while other tests may be reading it pass --no-clean: tsc then only overwrites.
if (!values["no-clean"]) rmSync(outDir, { recursive: true, force: true });
if (!values["no-types"]) tsc("tsconfig.build.json");
tsc("tsconfig.cjs.json");
// The repository is "type": "module"; this marks the built .js files (and their .d.ts) as CommonJS.
writeFileSync(join(outDir, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
