import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { freePort } from "../support/ports.js";

import { transpileSources } from "../support/transpile.js";

/** One `wechat-login start --no-emulator` process, as one instance behind a load balancer. */
export interface LoginServer {
  readonly name: string;
  readonly origin: string;
  readonly child: ChildProcess;
  /** What it printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** What every instance of the cluster shares: the same app, secret and store. */
export interface ClusterEnv {
  WECHAT_APPID: string;
  WECHAT_SECRET: string;
  WECHAT_REDIRECT_URI: string;
  WECHAT_OPEN_BASE: string;
  WECHAT_API_BASE: string;
  SESSION_SECRET: string;
  STORE_URL: string;
}

/**
 * The CLI compiled without type checking: a full `tsc` build takes half a
 * minute on CI's two cores, this a second or two. `npm run typecheck` checks the types.
 */
export function compileCli() {
  const compiled = transpileSources([
    "protocol",
    "client",
    "flow",
    "stores",
    "emulator",
    "adapters",
    "demo",
    "gateway",
    "cli",
  ]);
  return { cli: join(compiled.outDir, "cli", "index.js"), remove: compiled.remove };
}

/** Starts an instance on `port`; resolves once it serves (it prints "Ctrl-C" after listening). */
export function startLoginServer(
  cli: string,
  name: string,
  port: number,
  env: ClusterEnv,
  startTimeoutMs = 20_000,
): Promise<LoginServer> {
  const child = spawn(
    process.execPath,
    [cli, "start", "--no-emulator", "--host", "127.0.0.1", "--port", String(port)],
    { env: { PATH: process.env.PATH ?? "", LANG: "en_US.UTF-8", LOG_LEVEL: "warn", ...env }, stdio: "pipe" },
  );
  // Should the test runner itself die, its instances go with it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const server: LoginServer = {
    name,
    origin: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      // A server stuck on a dead store must not hold the suite: SIGKILL after a grace period.
      const grace = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(grace);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    child.stdout.on("data", () => {
      if (!/Ctrl-C/.test(output)) return;
      clearTimeout(timer);
      resolve(server);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before serving:\n${output}`));
    });
  });
}

/** Two free ports for two instances. */
export async function twoPorts(): Promise<[number, number]> {
  const first = await freePort();
  let second = await freePort();
  while (second === first) second = await freePort();
  return [first, second];
}
