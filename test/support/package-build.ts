import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const root = resolve(import.meta.dirname, "../..");

async function newestChange(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure dist/ is the build of the current sources, for tests that use
 * the package the way an app does (from its build, not its sources). CI
 * builds first, so this costs nothing there; locally it runs `npm run build`
 * once when a source changed since.
 */
export async function ensurePackageBuilt(): Promise<void> {
  const built = await stat(join(root, "dist/index.js")).then(
    (info) => info.mtimeMs,
    () => 0,
  );
  if (built >= (await newestChange(join(root, "src")))) return;
  await promisify(execFile)(process.execPath, [join(root, "scripts/build.mjs"), "--no-clean"], { cwd: root });
}
