import { readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";

const PACKAGE_NAME = "wechat-login";

/**
 * This package's version: from the nearest package.json above the running
 * CLI script that is ours, which holds for dist/, an installed copy (through
 * npx's bin link, resolved) and a test build alike, in the CommonJS build too.
 */
export function packageVersion(script = process.argv[1] ?? ""): string {
  let directory = dirname(realpathSync(script));
  for (;;) {
    const manifest = readManifest(join(directory, "package.json"));
    if (manifest?.name === PACKAGE_NAME && typeof manifest.version === "string") return manifest.version;
    const parent = dirname(directory);
    if (parent === directory) return "unknown";
    directory = parent;
  }
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
