import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { dropRedisPrefix, RUN_ID, redisMissing } from "../lib/backends.js";
import { cannon } from "../lib/cannon.js";
import { type Child, startChild } from "../lib/child.js";
import { mintCodes } from "../lib/emulator.js";
import type { LoadResult } from "../lib/load.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";
import { type ExpressSpec, REDIRECT_URI } from "./server-spec.js";

const SERVER = fileURLToPath(new URL("./express-server-process.js", import.meta.url));
const USERS = ["zhangsan", "lily", "noavatar"];
const SESSIONS = 64;
const CONTENDERS = { flow: "wechat-login (Express adapter)", passport: "passport-wechat + express-session" };

/** A login about to come back from WeChat: its callback URL and the cookie the browser holds (none for passport). */
interface PendingLogin {
  path: string;
  cookie: string | undefined;
}

const cookieOf = (setCookie: string | string[] | undefined, name: string) =>
  [setCookie ?? []]
    .flat()
    .find((line) => line.startsWith(`${name}=`))
    ?.split(";")[0];

/**
 * `count` logins started through the server's own /auth/login, as browsers would, each with a code
 * minted for its state. passport-wechat sends no state of its own, so its logins carry a fixed one.
 */
async function pendingLogins(pool: Pool, emulator: string, mode: ExpressSpec["mode"], count: number) {
  const started: { state: string; cookie: string | undefined }[] = [];
  for (let index = 0; index < count; index++) {
    if (mode === "passport") {
      started.push({ state: "bench", cookie: undefined });
      continue;
    }
    const response = await pool.request({ path: "/auth/login", method: "GET" });
    await response.body.dump();
    const location = new URL(String(response.headers.location));
    started.push({
      state: location.searchParams.get("state") ?? "",
      cookie: cookieOf(response.headers["set-cookie"], "wl_login"),
    });
  }
  const codes = await mintCodes(
    emulator,
    started.map(({ state }, index) => ({
      userId: USERS[index % USERS.length]!,
      state,
      redirectUri: REDIRECT_URI,
    })),
  );
  return started.map(
    ({ state, cookie }, index): PendingLogin => ({
      path: `/auth/callback?code=${codes[index]}&state=${state}`,
      cookie,
    }),
  );
}

async function sessionCookies(server: Child<{ url: string }>, emulator: string, mode: ExpressSpec["mode"]) {
  const pool = new Pool(server.ready.url, { connections: 4 });
  try {
    const cookies: string[] = [];
    for (const login of await pendingLogins(pool, emulator, mode, SESSIONS)) {
      const response = await pool.request({
        path: login.path,
        method: "GET",
        headers: login.cookie ? { cookie: login.cookie } : {},
      });
      await response.body.dump();
      const cookie = cookieOf(response.headers["set-cookie"], mode === "flow" ? "wl_session" : "connect.sid");
      if (response.statusCode !== 302 || !cookie)
        throw new Error(`${mode}: login answered ${response.statusCode}`);
      cookies.push(cookie);
    }
    return cookies;
  } finally {
    await pool.close();
  }
}

async function measure(
  server: Child<{ url: string }>,
  emulator: string,
  mode: ExpressSpec["mode"],
  settings: Settings,
) {
  const url = server.ready.url;
  const cookies = await sessionCookies(server, emulator, mode);
  const sessionRun = (duration: number) =>
    cannon(url, {
      connections: settings.serverConnections,
      duration,
      path: () => "/auth/session",
      headers: (index) => ({ cookie: cookies[index % cookies.length]! }),
      expect: 2,
    });
  if (settings.serverWarmupSeconds > 0) await sessionRun(settings.serverWarmupSeconds);
  const session = (await sessionRun(settings.serverSeconds)).result;
  const callbackRun = async (amount: number) => {
    const pool = new Pool(url, { connections: 4 });
    const logins = await pendingLogins(pool, emulator, mode, amount).finally(() => pool.close());
    return cannon(url, {
      connections: settings.serverConnections,
      amount,
      path: (index) => logins[index]!.path,
      headers: (index): Record<string, string> => {
        const cookie = logins[index]!.cookie;
        return cookie ? { cookie } : {};
      },
      expect: 3,
    });
  };
  if (settings.callbackWarmupLogins > 0) await callbackRun(settings.callbackWarmupLogins);
  const callback = (await callbackRun(settings.callbackLogins)).result;
  return { session, callback };
}

/**
 * Scenario 5, side by side with what users pick instead: the same login and session check through
 * Express + passport-wechat + express-session and through our flow on the Express adapter, on a memory
 * store and on Redis (connect-redis for theirs). Each server in a child process of its own.
 */
export async function expressSideBySide(emulator: string, settings: Settings, report: Report, ci: boolean) {
  const scenario = "5 login server";
  const prefix = `wechat-login-bench:${RUN_ID}:express:`;
  for (const kind of ["memory", "redis"] as const) {
    if (kind === "redis") {
      const missing = await redisMissing();
      if (missing) {
        if (ci) throw new Error(`CI=true but ${missing}`);
        report.skip(scenario, "Express side by side on redis", missing);
        continue;
      }
    }
    const results = new Map<string, { session: LoadResult; callback: LoadResult }>();
    try {
      for (const mode of ["passport", "flow"] as const) {
        const spec: ExpressSpec = {
          mode,
          store: kind === "memory" ? { kind } : { kind, prefix: `${prefix}${mode}:` },
          emulator,
        };
        const server = await startChild<{ url: string }>(SERVER, [JSON.stringify(spec)]);
        try {
          const measured = await measure(server, emulator, mode, settings);
          report.measure(scenario, `Express /session on ${kind}`, CONTENDERS[mode], measured.session);
          report.measure(scenario, `Express /callback on ${kind}`, CONTENDERS[mode], measured.callback);
          results.set(mode, measured);
        } finally {
          await server.stop();
        }
      }
    } finally {
      if (kind === "redis") await dropRedisPrefix(prefix);
    }
    for (const route of ["session", "callback"] as const) {
      const ours = results.get("flow")![route];
      const theirs = results.get("passport")![route];
      report.value(
        scenario,
        `Express /${route} on ${kind}`,
        "req/s ours / passport-wechat",
        ours.callsPerSec / theirs.callsPerSec,
        "×",
      );
    }
  }
}
