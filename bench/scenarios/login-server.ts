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
import { type CannonLoad, cannon } from "../lib/cannon.js";
import { type Child, startChild } from "../lib/child.js";
import { mintCodes } from "../lib/emulator.js";
import type { LoadResult } from "../lib/load.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";
import { expressSideBySide } from "./express-side-by-side.js";
import { REDIRECT_URI, type ServerSpec } from "./server-spec.js";
import type { StoreSpec } from "./stores.js";

const SERVER = fileURLToPath(new URL("./login-server-process.js", import.meta.url));
const LOGIN_USERS = ["zhangsan", "lily", "noavatar"];
const SESSIONS = 64;

interface Ready {
  url: string;
  sessions: string[];
}

type Route = "session" | "callback";

async function sessionLoad(server: Child<Ready>, settings: Settings) {
  const { url, sessions } = server.ready;
  const load = (duration: number): CannonLoad => ({
    connections: settings.serverConnections,
    duration,
    path: () => "/auth/session",
    headers: (index) => ({ cookie: `wl_session=${sessions[index % sessions.length]}` }),
    expect: 2,
  });
  if (settings.serverWarmupSeconds > 0) await cannon(url, load(settings.serverWarmupSeconds));
  return cannon(url, load(settings.serverSeconds));
}

async function callbackLoad(server: Child<Ready>, emulator: string, settings: Settings) {
  // Each login needs a state in the store bound to a browser, and a fresh single-use code from WeChat.
  const run = async (amount: number) => {
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
    return cannon(server.ready.url, {
      connections: settings.serverConnections,
      amount,
      path: (index) => `/auth/callback?code=${codes[index]}&state=${states[index]!.state}`,
      headers: (index) => ({ cookie: `wl_login=${states[index]!.secret}` }),
      expect: 3,
    });
  };
  if (settings.callbackWarmupLogins > 0) await run(settings.callbackWarmupLogins);
  return run(settings.callbackLogins);
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
      const results = new Map<string, LoadResult>();
      // Both servers start together (startup is most of a quick run) and are measured one after the other.
      const started = await Promise.allSettled(
        (["bare", "flow"] as const).map(async (mode) => {
          const spec: ServerSpec = { mode, store: backend.spec(mode), emulator, sessions: SESSIONS };
          return { mode, server: await startChild<Ready>(SERVER, [JSON.stringify(spec)]) };
        }),
      );
      const servers = started.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
      const failed = started.find((outcome) => outcome.status === "rejected");
      if (failed) {
        await Promise.all(servers.map(({ server }) => server.stop()));
        throw failed.reason;
      }
      try {
        for (const { mode, server } of servers) {
          for (const route of ["session", "callback"] as Route[]) {
            const { result } =
              route === "session"
                ? await sessionLoad(server, settings)
                : await callbackLoad(server, emulator, settings);
            const contender = mode === "flow" ? "wechat-login" : "bare Hono route";
            report.measure(scenario, `/${route} on ${backend.name}`, contender, result);
            results.set(`${mode} ${route}`, result);
          }
          await server.stop();
        }
      } finally {
        await Promise.all(servers.map(({ server }) => server.stop()));
      }
      for (const route of ["session", "callback"] as Route[]) {
        const flow = results.get(`flow ${route}`)!;
        const bare = results.get(`bare ${route}`)!;
        const caseName = `/${route} on ${backend.name}`;
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
      await backend.cleanup();
    }
  }
  await expressSideBySide(emulator, settings, report, ci);
}
