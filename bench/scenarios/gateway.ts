import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CannonLoad, cannon, cannonOn } from "../lib/cannon.js";
import { type Child, startChild } from "../lib/child.js";
import { abba, type LoadResult } from "../lib/load.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";
import type { GatewayChildSpec } from "./gateway-spec.js";

const CHILD = fileURLToPath(new URL("./gateway-process.js", import.meta.url));
const NGINX = process.env.BENCH_NGINX ?? "/usr/sbin/nginx";
const SCENARIO = "8 gateway";

interface GatewayReady {
  gateway: string;
  bare: string;
  cookie: string;
  forwarded: Record<string, string>;
}

/** One measured phase, with the CPU the serving process spent on it per request (the machine is noisy; CPU is not). */
/** Load that is thrown away: the JIT and the connections settle before a measured phase. */
function warmUp(
  url: string,
  settings: Settings,
  load: Omit<CannonLoad, "connections" | "duration" | "expect">,
) {
  if (settings.serverWarmupSeconds <= 0) return Promise.resolve();
  return cannon(url, {
    connections: settings.serverConnections,
    expect: 2,
    ...load,
    duration: settings.serverWarmupSeconds,
  });
}

async function phase(
  url: string,
  server: Child<unknown>,
  settings: Settings,
  load: Omit<CannonLoad, "connections" | "duration" | "expect">,
  seconds: number,
): Promise<LoadResult> {
  const full = { connections: settings.serverConnections, expect: 2 as const, ...load };
  return (await cannonOn(server, url, { ...full, duration: seconds })).result;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });

/** Debian's nginx proxying straight to the upstream, keep-alive to it as the gateway's agent: the baseline of proxy mode. */
async function startNginx(upstream: string) {
  const port = await freePort();
  const prefix = mkdtempSync(join(tmpdir(), "wechat-login-bench-nginx-"));
  mkdirSync(join(prefix, "logs"));
  const temp = (name: string) => `${name}_temp_path ${join(prefix, name)};`;
  writeFileSync(
    join(prefix, "nginx.conf"),
    `daemon off; master_process off; worker_processes 1; pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "logs/error.log")};
events {}
http {
  access_log off;
  ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(temp).join(" ")}
  upstream app { server ${new URL(upstream).host}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://app; }
  }
}
`,
  );
  const child = spawn(
    NGINX,
    ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "logs/error.log")],
    {
      stdio: "ignore",
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await (await fetch(url)).arrayBuffer();
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        rmSync(prefix, { recursive: true, force: true });
        throw new Error(`nginx did not start (${child.exitCode ?? "no answer"})`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGQUIT");
        await once(child, "exit");
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/**
 * Scenario 8: the gateway (`wechat-login proxy`) in a child process. Its nginx auth endpoint's decision beside a
 * bare route doing the same session read (login.getSession) in the same process, and its proxy mode beside
 * Debian's nginx proxying straight to the same upstream (a process of its own). autocannon runs here.
 */
export async function gatewayScenario(emulator: string, settings: Settings, report: Report, ci: boolean) {
  const upstream = await startChild<{ url: string }>(CHILD, [
    JSON.stringify({ role: "upstream" } satisfies GatewayChildSpec),
  ]);
  try {
    const servers = await startChild<GatewayReady>(CHILD, [
      JSON.stringify({ role: "gateway", emulator, upstream: upstream.ready.url } satisfies GatewayChildSpec),
    ]);
    try {
      const { gateway, bare, cookie, forwarded } = servers.ready;
      // The same request to both (the subrequest nginx sends), so parsing it weighs the same on each side.
      const auth = { path: () => "/_wl/auth", headers: () => forwarded };
      // Both warmed up once, then short phases in turn: a drift of the machine's speed lands on both.
      const share = settings.serverSeconds / (2 * settings.serverRounds);
      for (const url of [bare, gateway]) await warmUp(url, settings, auth);
      const { a: bareAuth, b: gatewayAuth } = await abba(
        settings.serverRounds,
        () => phase(bare, servers, settings, auth, share),
        () => phase(gateway, servers, settings, auth, share),
      );
      report.measure(SCENARIO, "/_wl/auth decision", "bare getSession route", bareAuth);
      report.measure(SCENARIO, "/_wl/auth decision", "wechat-login proxy", gatewayAuth);
      report.check(
        SCENARIO,
        "/_wl/auth: req/s gateway / bare",
        gatewayAuth.callsPerSec / bareAuth.callsPerSec,
        ">=",
        0.9,
        "×",
      );
      report.check(
        SCENARIO,
        "/_wl/auth: p99 gateway / bare",
        gatewayAuth.p99Ms / bareAuth.p99Ms,
        "<=",
        1.5,
        "×",
      );
      // The figure noise moves least: the server's CPU per answer, as a throughput ratio (bare's CPU over ours).
      report.check(
        SCENARIO,
        "/_wl/auth: CPU per request bare / gateway",
        bareAuth.cpuUsPerCall / gatewayAuth.cpuUsPerCall,
        ">=",
        0.9,
        "×",
      );

      if (!existsSync(NGINX)) {
        const reason = `nginx not found at ${NGINX} (Debian's nginx package; BENCH_NGINX names another)`;
        if (ci) throw new Error(`CI=true but ${reason}`);
        report.skip(SCENARIO, "proxy mode vs nginx", reason);
        return;
      }
      const nginx = await startNginx(upstream.ready.url);
      try {
        // One round, each phase with its own warm-up: nginx and the gateway are different processes.
        const toNginx = { path: () => "/app/page" };
        const toGateway = { path: () => "/app/page", headers: () => ({ cookie }) };
        const seconds = settings.serverSeconds / 2;
        const { a: direct, b: proxied } = await abba(
          1,
          async () => {
            await warmUp(nginx.url, settings, toNginx);
            return phase(nginx.url, upstream, settings, toNginx, seconds);
          },
          async () => {
            await warmUp(gateway, settings, toGateway);
            return phase(gateway, servers, settings, toGateway, seconds);
          },
        );
        // The CPU of a proxy phase is the serving process's: the upstream's for nginx, the gateway's for ours.
        report.measure(SCENARIO, "proxy mode", "nginx proxy_pass", direct, "CPU: the upstream's");
        report.measure(SCENARIO, "proxy mode", "wechat-login proxy", proxied, "CPU: the gateway's");
        report.value(
          SCENARIO,
          "proxy mode: req/s gateway / nginx",
          "ratio",
          proxied.callsPerSec / direct.callsPerSec,
          "×",
        );
        report.value(
          SCENARIO,
          "proxy mode: p99 gateway - nginx",
          "overhead",
          proxied.p99Ms - direct.p99Ms,
          "ms",
        );
      } finally {
        await nginx.stop();
      }
    } finally {
      await servers.stop();
    }
  } finally {
    await upstream.stop();
  }
}
