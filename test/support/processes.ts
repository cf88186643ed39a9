import { type ChildProcess, spawn } from "node:child_process";

/** A child in its own process group, so stopping it also stops the workers it spawned. */
export interface GroupProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved: for failure messages. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the whole process has exited. */
  exited: Promise<number | string>;
  /** SIGTERM to the group; SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnGroup(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): GroupProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  return {
    child,
    output: () => output,
    exited,
    async stop(graceMs = 5_000) {
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // Workers may outlive the leader: make sure none keeps a port or CPU.
      signalGroup("SIGKILL");
    },
  };
}

/** Runs a command to completion within `timeoutMs`, killing its whole group if it takes longer. */
export async function runGroup(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<string> {
  const running = spawnGroup(command, args, options);
  const timer = setTimeout(() => void running.stop(0), options.timeoutMs);
  const code = await running.exited;
  clearTimeout(timer);
  running.stop(0);
  if (code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${code}) within ${options.timeoutMs} ms:\n${running.output()}`,
    );
  }
  return running.output();
}

/** Resolves once `url` answers HTTP at all, or throws when `server` exits or `timeoutMs` passes. */
/**
 * Waits until `server` has printed `text`: a CLI serves its first page before it prints its banner
 * (the emulator is told the push URL in between), so a test reading the banner waits for it.
 */
export async function waitForOutput(server: GroupProcess, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!server.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`never printed ${JSON.stringify(text)}:\n${server.output()}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

export async function waitUntilServing(url: string, server: GroupProcess, timeoutMs: number): Promise<void> {
  let exited = false;
  void server.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((wait) => setTimeout(wait, 200));
    }
  }
  throw new Error(`${url} was not served (${exited ? "exited" : "timed out"}):\n${server.output()}`);
}
