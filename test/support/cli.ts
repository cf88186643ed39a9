import { type ChildProcess, execFile, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const root = resolve(import.meta.dirname, "../..");

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A private build of the CLI per test file, so a test never reads a stale
 * dist/ nor races another test rebuilding it.
 */
export class CliBuild {
  readonly outDir = join(
    root,
    "node_modules/.cache",
    `cli-test-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  readonly cli = join(this.outDir, "cli/index.js");

  async build(): Promise<void> {
    await promisify(execFile)(
      process.execPath,
      [join(root, "scripts/build.mjs"), "--out-dir", this.outDir, "--no-types"],
      { cwd: root },
    );
  }

  async remove(): Promise<void> {
    await rm(this.outDir, { recursive: true, force: true });
  }

  /** Runs the CLI to completion. */
  run(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Finished> {
    return new Promise((resolvePromise, reject) => {
      execFile(
        process.execPath,
        [this.cli, ...args],
        { env: { PATH: process.env.PATH ?? "", LANG: "en_US.UTF-8", ...env }, timeout: 15_000, cwd },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== "number") reject(error);
          else resolvePromise({ code: error ? (error.code as number) : 0, stdout, stderr });
        },
      );
    });
  }

  /** Starts a long-running command; `ready` resolves once stdout shows "Ctrl-C". */
  start(args: string[], env: Record<string, string> = {}, cwd?: string) {
    const child = spawn(process.execPath, [this.cli, ...args], {
      env: { PATH: process.env.PATH ?? "", LANG: "en_US.UTF-8", ...env },
      cwd,
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const ready = new Promise<void>((resolvePromise, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/Ctrl-C/.test(stdout)) resolvePromise();
      });
      child.once("exit", (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolvePromise) =>
      child.once("exit", (code) => resolvePromise(code)),
    );
    return { child, ready, exited, output: () => ({ stdout, stderr }) };
  }
}

export async function stop(child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals) {
  child.kill(signal);
  return exited;
}
