import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { type GroupProcess, runGroup, spawnGroup } from "../support/processes.js";
import { codeBlocks } from "./markdown.js";

/** Ports the guides name, replaced by free ones: the only change made to a guide's text. */
export interface Ports {
  site: number;
  emulator: number;
}

/** What a fresh project needs from the run: the packed package and where the native prebuild is served. */
export interface ProjectEnvironment {
  tarball: string;
  /** Extra variables for every command, e.g. the prebuilt-binary mirror. */
  env: Record<string, string>;
}

export interface BuiltProject {
  dir: string;
  servers: GroupProcess[];
  /** Everything the project's commands printed: for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function withPorts(text: string, ports: Ports): string {
  return text.replace(/\b3000\b/g, String(ports.site)).replace(/\b3001\b/g, String(ports.emulator));
}

/** `npm install … wechat-login …` installs the packed tarball instead of the registry's release. */
export function withTarball(command: string, tarball: string): string {
  return command
    .split("\n")
    .map((line) =>
      /^\s*npm (install|i|add)\b/.test(line)
        ? line.replace(/(\s)wechat-login(?=\s|$)/, `$1${tarball}`)
        : line,
    )
    .join("\n");
}

function baseEnv(environment: ProjectEnvironment): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    // One shared npm cache; nothing the cache already has is fetched again.
    npm_config_prefer_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    NEXT_TELEMETRY_DISABLED: "1",
    ...environment.env,
  };
}

/**
 * Follows a guide word for word in `dir`: its blocks marked for `project`, in the guide's order — files
 * written, commands run (`run`) or started and left running (`background`, "in another terminal").
 */
export async function followGuide(
  doc: string,
  project: string,
  dir: string,
  ports: Ports,
  environment: ProjectEnvironment,
): Promise<BuiltProject> {
  const blocks = codeBlocks(doc).filter(
    (block) => block.marker && "project" in block.marker && block.marker.project === project,
  );
  if (blocks.length === 0) throw new Error(`${doc} has no block for project ${project}`);
  const env = baseEnv(environment);
  const servers: GroupProcess[] = [];
  let log = "";
  const built: BuiltProject = {
    dir,
    servers,
    log: () => log + servers.map((server, index) => `\n--- server ${index} ---\n${server.output()}`).join(""),
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
  try {
    for (const block of blocks) {
      const text = withPorts(block.code, ports);
      const marker = block.marker!;
      if (marker.kind === "file") {
        const path = join(dir, marker.file);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
      } else if (marker.kind === "run") {
        const command = withTarball(text, environment.tarball);
        log += `\n$ ${command}`;
        log += await runGroup("bash", ["-euo", "pipefail", "-c", command], {
          cwd: dir,
          env,
          timeoutMs: 240_000,
        });
      } else if (marker.kind === "background") {
        log += `\n$ ${text} &`;
        servers.push(spawnGroup("bash", ["-c", text], { cwd: dir, env }));
      }
    }
  } catch (error) {
    await built.stop();
    throw new Error(`${doc} (${project}) failed in ${dir}:\n${String(error)}\n${built.log()}`);
  }
  return built;
}

/** Resolves once `url` answers HTTP at all; throws with the servers' output when one exits or time runs out. */
export async function waitUntilServing(url: string, project: BuiltProject, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  for (const [index, server] of project.servers.entries()) {
    void server.exited.then((code) => {
      exited ??= `server ${index} exited (${code})`;
    });
  }
  while (Date.now() < deadline && exited === undefined) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: "manual" });
      return;
    } catch {
      await new Promise((wait) => setTimeout(wait, 250));
    }
  }
  throw new Error(`${url} did not answer (${exited ?? "timed out"}):\n${project.log()}`);
}

/**
 * `npm pack` of the built package (see ensurePackageBuilt): the tarball a user would install. Without
 * scripts: prepack would rebuild dist/ while other test files read it (test/package/ checks prepack).
 */
export async function packPackage(repo: string, into: string): Promise<string> {
  const args = ["pack", "--silent", "--ignore-scripts", "--pack-destination", into];
  const { stdout } = await promisify(execFile)("npm", args, {
    cwd: repo,
  });
  return join(into, stdout.trim().split("\n").pop()!);
}
