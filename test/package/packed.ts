import { execFile } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";

export const root = resolve(import.meta.dirname, "../..");

/** Every public entry point, as an app names it: `wechat-login`, `wechat-login/protocol`, … */
export async function entryPoints(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    exports: Record<string, unknown>;
  };
  return Object.keys(manifest.exports)
    .filter((subpath) => subpath !== "./package.json")
    .map((subpath) => `wechat-login${subpath.slice(1)}`);
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of the commands a user runs. The npm_* variables `npm test` sets are left out (one of
 * them, npm_config_local_prefix, would make `npm install` install into this repository), except the
 * ones that say where the cache and the registry are.
 */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const kept = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig"]);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name === "NODE_OPTIONS") continue;
    if (name.toLowerCase().startsWith("npm_") && !kept.has(name.toLowerCase())) continue;
    env[name] = value;
  }
  return { ...env, LANG: "C", LC_ALL: "", ...extra };
}

/** Runs a command to completion; never throws for its exit code (tests assert on it). */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, {
      cwd: options.cwd,
      env: options.env ?? userEnv(),
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof failed.code === "number" ? failed.code : -1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr ?? failed.message,
    };
  }
}

/** Throws with the command's output unless it exited 0. */
export function succeeded(ran: Ran, what: string): Ran {
  if (ran.code !== 0) throw new Error(`${what} failed (${ran.code}):\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

/**
 * A fresh clone of this repository: the files git tracks (and new ones it would track), with no dist/
 * and no docs/api/. Its node_modules is this one's, as after `npm ci`.
 */
export async function freshClone(target: string): Promise<void> {
  const listed = succeeded(
    await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root }),
    "git ls-files",
  );
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    await mkdir(dirname(join(target, file)), { recursive: true });
    // A tracked file deleted in the working tree is not part of the clone either.
    await copyFile(join(root, file), join(target, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
  await symlink(join(root, "node_modules"), join(target, "node_modules"), "dir");
}

/** Links packages of this repository's node_modules into `project`'s, as if the app had installed them. */
export async function linkPackages(project: string, names: string[]): Promise<void> {
  for (const name of names) {
    const link = join(project, "node_modules", name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(root, "node_modules", name), link, "dir").catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
  }
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

export interface InstalledPackage {
  /** A package.json lying under node_modules, and its parsed content. */
  path: string;
  manifest: { name?: string; gypfile?: boolean; scripts?: Record<string, string> };
}

/** Every package installed under `dir`/node_modules, nested ones included. */
export async function installedPackages(dir: string): Promise<InstalledPackage[]> {
  const found: InstalledPackage[] = [];
  for (const entry of await readdir(join(dir, "node_modules"), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name !== "package.json") continue;
    const path = join(entry.parentPath, entry.name);
    const parent = dirname(dirname(path));
    // A package's own manifest sits right under a node_modules (or a @scope within one).
    const scoped = basename(parent).startsWith("@") && basename(dirname(parent)) === "node_modules";
    if (basename(parent) !== "node_modules" && !scoped) continue;
    found.push({ path, manifest: JSON.parse(await readFile(path, "utf8")) });
  }
  return found;
}
