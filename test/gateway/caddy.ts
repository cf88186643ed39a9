import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireService, type ServiceCheck } from "../support/services.js";

/** Debian's Caddy (`caddy`), or CADDY_BIN (e.g. unpacked with `apt-get download caddy && dpkg -x`). */
export const CADDY_BIN = process.env.CADDY_BIN ?? "/usr/bin/caddy";

export function requireCaddy(): Promise<ServiceCheck> {
  return requireService("caddy", async () => {
    if (!existsSync(CADDY_BIN)) throw new Error(`no ${CADDY_BIN}`);
  });
}

export interface RunningCaddy {
  output(): string;
  stop(): Promise<void>;
}

/** Caddy in the foreground from a temp dir (its data and config too), admin API off, listening on `port`. */
export async function startCaddy(port: number, caddyfile: string): Promise<RunningCaddy> {
  const dir = mkdtempSync(join(tmpdir(), "wl-caddy-"));
  const file = join(dir, "Caddyfile");
  writeFileSync(file, `{\n\tadmin off\n\tauto_https off\n}\n${caddyfile}`);
  const child: ChildProcess = spawn(CADDY_BIN, ["run", "--config", file, "--adapter", "caddyfile"], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`caddy did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
