import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireService, type ServiceCheck } from "../support/services.js";

/** Debian's nginx (`nginx-light` or `nginx`), or NGINX_BIN. */
export const NGINX_BIN = process.env.NGINX_BIN ?? "/usr/sbin/nginx";

/** nginx is there and has the auth_request module (Debian's builds do). */
export function requireNginx(): Promise<ServiceCheck> {
  return requireService("nginx", async () => {
    if (!existsSync(NGINX_BIN)) throw new Error(`no ${NGINX_BIN}`);
    const version = await new Promise<string>((resolve, reject) => {
      const child = spawn(NGINX_BIN, ["-V"]);
      let text = "";
      child.stderr.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    if (!version.includes("http_auth_request_module"))
      throw new Error("built without http_auth_request_module");
  });
}

export interface RunningNginx {
  url: string;
  /** nginx's error log so far (it names "auth request unexpected status" when the contract breaks). */
  errors(): string;
  stop(): Promise<void>;
}

/**
 * nginx on loopback from a temporary prefix, in the foreground without a
 * master process (no root, no daemon), serving `serverBody` inside one
 * `server { listen 127.0.0.1:<port>; }`.
 */
export async function startNginx(port: number, serverBody: string): Promise<RunningNginx> {
  const prefix = mkdtempSync(join(tmpdir(), "wl-nginx-"));
  for (const dir of ["logs", "temp"]) mkdirSync(join(prefix, dir));
  const temp = join(prefix, "temp");
  const config = `daemon off;
master_process off;
worker_processes 1;
pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "logs/error.log")} warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${temp}/body;
    proxy_temp_path ${temp}/proxy;
    fastcgi_temp_path ${temp}/fastcgi;
    uwsgi_temp_path ${temp}/uwsgi;
    scgi_temp_path ${temp}/scgi;
    server {
        listen 127.0.0.1:${port};
        server_name 127.0.0.1;
${serverBody}
    }
}
`;
  const file = join(prefix, "nginx.conf");
  writeFileSync(file, config);
  const child: ChildProcess = spawn(
    NGINX_BIN,
    ["-p", prefix, "-c", file, "-e", join(prefix, "logs/error.log")],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const errors = () => {
    try {
      return readFileSync(join(prefix, "logs/error.log"), "utf8");
    } catch {
      return "";
    }
  };
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nginx did not start: ${stderr}${errors()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGQUIT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(prefix, { recursive: true, force: true });
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
