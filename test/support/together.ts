import { spawn } from "node:child_process";

const READY = "ready\n";

/**
 * Runs several node processes so their work really overlaps: each prints
 * "ready" once set up (store opened, modules loaded) and waits for a line on
 * stdin; all get "go" at once. A fixed start time would not do: on a loaded
 * machine one process may boot after another has finished.
 * Resolves with what each printed after "ready".
 */
export async function runTogether(argsPerProcess: string[][], timeoutMs = 30_000): Promise<string[]> {
  const children = argsPerProcess.map((args) => {
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.startsWith(READY)) resolve();
      });
      child.once("exit", (code) => reject(new Error(`exited (${code}) before ready: ${stderr}`)));
    });
    const done = new Promise<string>((resolve, reject) => {
      child.once("exit", (code) => {
        if (code === 0) resolve(stdout.slice(READY.length));
        else reject(new Error(`exited with ${code}: ${stderr}`));
      });
    });
    return { child, ready, done };
  });
  try {
    await Promise.all(children.map(({ ready }) => ready));
    for (const { child } of children) child.stdin.end("go\n");
    return await Promise.all(children.map(({ done }) => done));
  } finally {
    for (const { child } of children) if (child.exitCode === null) child.kill("SIGKILL");
  }
}
