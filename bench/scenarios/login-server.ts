import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  dropPostgresSchema,
  dropRedisPrefix,
  postgresMissing,
  RUN_ID,
  redisMissing,
} from "../lib/backends.js";
import { cannonOn } from "../lib/cannon.js";
import { type Child, startChild } from "../lib/child.js";
import { mintCodes } from "../lib/emulator.js";
import { abba } from "../lib/load.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";
import { expressSideBySide } from "./express-side-by-side.js";
import { REDIRECT_URI, type ServerSpec } from "./server-spec.js";
import type { StoreSpec } from "./stores.js";

const SERVER = fileURLToPath(new URL("./login-server-process.js", import.meta.url));
const LOGIN_USERS = ["zhangsan", "lily", "noavatar"];
const SESSIONS = 64;

/** What a login server process (`login-server-process.ts`) says when it is ready. */
export interface LoginServerReady {
  url: string;
  sessions: string[];
}

type Route = "session" | "callback";
type Mode = ServerSpec["mode"];
const MODES: readonly Mode[] = ["flow", "bare"];

/** `/auth/session` for `seconds`, each request with one of the seeded sessions' cookie. */
export function sessionPhase(server: Child<LoginServerReady>, connections: number, seconds: number) {
  const { url, sessions } = server.ready;
  return cannonOn(server, url, {
    connections,
    duration: seconds,
    path: () => "/auth/session",
    headers: (index) => ({ cookie: `wl_session=${sessions[index % sessions.length]}` }),
    expect: 2,
  });
}

/** `amount` logins through `/auth/callback`; what each needs is made off the clock. */
export async function callbackPhase(
  server: Child<LoginServerReady>,
  emulator: string,
  connections: number,
  amount: number,
) {
  // Each login needs a state in the store bound to a browser, and a fresh single-use code from WeChat.
  const { states } = await server.ask<{ states: { state: string; secret: string }[] }>({
    type: "seedStates",
    count: amount,
  });
  const codes = await mintCodes(
    emulator,
    states.map(({ state }, index) => ({
      userId: LOGIN_USERS[index % LOGIN_USERS.length]!,
      state,
      redirectUri: REDIRECT_URI,
    })),
  );
  return cannonOn(server, server.ready.url, {
    connections,
    amount,
    path: (index) => `/auth/callback?code=${codes[index]}&state=${states[index]!.state}`,
    headers: (index) => ({ cookie: `wl_login=${states[index]!.secret}` }),
    expect: 3,
  });
}

/**
 * One route on both servers: each warmed up, then `serverRounds` rounds of
 * A-B-B-A sharing a contender's budget, so a drift hits both alike.
 */
async function measureRoute(
  route: Route,
  servers: Record<Mode, Child<LoginServerReady>>,
  emulator: string,
  settings: Settings,
) {
  const connections = settings.serverConnections;
  // A phase's size: seconds of `/session`, or a number of logins through `/callback`.
  const phase = (mode: Mode, size: number) =>
    route === "session"
      ? sessionPhase(servers[mode], connections, size)
      : callbackPhase(servers[mode], emulator, connections, Math.ceil(size));
  const [warmup, budget] =
    route === "session"
      ? [settings.serverWarmupSeconds, settings.serverSeconds]
      : [settings.callbackWarmupLogins, settings.callbackLogins];
  if (warmup > 0) for (const mode of MODES) await phase(mode, warmup);
  const share = budget / (2 * settings.serverRounds);
  const { a: flow, b: bare } = await abba(
    settings.serverRounds,
    async () => (await phase("flow", share)).result,
    async () => (await phase("bare", share)).result,
  );
  return { flow, bare };
}

interface Backend {
  name: string;
  missing: () => Promise<string | undefined>;
  spec: (mode: string) => StoreSpec;
  cleanup: () => Promise<void>;
}

function backends(): Backend[] {
  const dir = mkdtempSync(join(tmpdir(), "wechat-login-bench-"));
  const redisPrefix = `wechat-login-bench:${RUN_ID}:server:`;
  const schemas = ["flow", "bare"].map((mode) => `wechat_login_bench_${RUN_ID}_${mode}`);
  return [
    {
      name: "memory",
      missing: async () => undefined,
      spec: () => ({ kind: "memory" }),
      cleanup: async () => undefined,
    },
    {
      name: "sqlite",
      missing: async () => undefined,
      spec: (mode) => ({ kind: "sqlite", filename: join(dir, `${mode}.db`) }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    },
    {
      name: "redis",
      missing: redisMissing,
      spec: (mode) => ({ kind: "redis", prefix: `${redisPrefix}${mode}:` }),
      cleanup: () => dropRedisPrefix(redisPrefix),
    },
    {
      name: "postgres",
      missing: postgresMissing,
      spec: (mode) => ({ kind: "postgres", schema: `wechat_login_bench_${RUN_ID}_${mode}` }),
      cleanup: async () => {
        for (const schema of schemas) await dropPostgresSchema(schema);
      },
    },
  ];
}

/**
 * Scenario 5: the login routes under autocannon, per store, beside a bare Hono
 * route doing the same store reads and writes (and the same WeChat calls). The
 * server runs in a child process of its own, the load generator here.
 */
export async function loginServer(emulator: string, settings: Settings, report: Report, ci: boolean) {
  const scenario = "5 login server";
  for (const backend of backends()) {
    const missing = await backend.missing();
    if (missing) {
      if (ci) throw new Error(`CI=true but ${missing}`);
      report.skip(scenario, `${backend.name} store`, missing);
      continue;
    }
    try {
      // Both servers run side by side (startup is most of a quick run); only one is under load at a time.
      const started = await Promise.allSettled(
        MODES.map(async (mode) => {
          const spec: ServerSpec = { mode, store: backend.spec(mode), emulator, sessions: SESSIONS };
          return [mode, await startChild<LoginServerReady>(SERVER, [JSON.stringify(spec)])] as const;
        }),
      );
      const fulfilled = started.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
      const running = fulfilled.map(([, server]) => server);
      const failed = started.find((outcome) => outcome.status === "rejected");
      if (failed) {
        await Promise.all(running.map((server) => server.stop()));
        throw failed.reason;
      }
      const servers = Object.fromEntries(fulfilled) as Record<Mode, Child<LoginServerReady>>;
      try {
        for (const route of ["session", "callback"] as Route[]) {
          const { flow, bare } = await measureRoute(route, servers, emulator, settings);
          const caseName = `/${route} on ${backend.name}`;
          report.measure(scenario, caseName, "wechat-login", flow, "CPU: the server's");
          report.measure(scenario, caseName, "bare Hono route", bare, "CPU: the server's");
          // The server's own cost per request: steadier than req/s when the load generator or the machine is the limit.
          report.value(
            scenario,
            caseName,
            "server CPU ours / bare",
            flow.cpuUsPerCall / bare.cpuUsPerCall,
            "×",
          );
          report.check(scenario, `${caseName}: p99 ours / bare`, flow.p99Ms / bare.p99Ms, "<=", 1.5, "×");
          report.check(
            scenario,
            `${caseName}: req/s ours / bare`,
            flow.callsPerSec / bare.callsPerSec,
            ">=",
            0.9,
            "×",
          );
          if (route === "session" && backend.name === "sqlite") {
            report.check(scenario, `${caseName}: throughput`, flow.callsPerSec, ">=", 5_000, "req/s");
          }
        }
      } finally {
        await Promise.all(running.map((server) => server.stop()));
      }
    } finally {
      await backend.cleanup();
    }
  }
  await expressSideBySide(emulator, settings, report, ci);
}
