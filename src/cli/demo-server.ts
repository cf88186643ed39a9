import { randomBytes } from "node:crypto";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import { createDemoApp } from "../demo/app.js";
import { LoginTraces } from "../demo/trace.js";
import { type RunningEmulator, startEmulator } from "../emulator/index.js";
import { createLogin, type LoginOptions, loginOptionIssues } from "../flow/index.js";
import { ConfigError } from "../protocol/errors.js";
import { DRIVERS, driverInstalled } from "../stores/drivers.js";
import type { Store } from "../stores/types.js";
import { EnvProblems, ListenFailed } from "./demo-errors.js";
import { DEFAULT_STORE_URL, loginSettingsFromEnv } from "./env-config.js";
import { messagesIn } from "./messages.js";
import { describeStore, openStore } from "./store.js";

export interface StartOptions {
  port: number;
  host: string;
  emulatorPort: number;
  useEmulator: boolean;
  env: NodeJS.ProcessEnv;
  say: (line: string) => void;
  lang: "zh-CN" | "en";
  logger: Logger;
}

export interface RunningDemo {
  url: string;
  emulatorUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts the demo site, and unless `useEmulator` is false the local WeChat
 * emulator it logs in through, on the store of `STORE_URL` (SQLite by default).
 * @throws {EnvProblems} for `--no-emulator` without valid WECHAT_* variables.
 * @throws {StoreOpenFailed} when STORE_URL cannot be opened.
 * @throws {ListenFailed} when a port is taken.
 */
export async function startDemo(options: StartOptions): Promise<RunningDemo> {
  const { logger } = options;
  const zh = options.lang === "zh-CN";
  const demoOrigin = `http://${options.host === "0.0.0.0" ? "localhost" : options.host}:${options.port}`;
  let settings: Omit<LoginOptions, "store">;
  let storeUrl: string;
  let emulator: RunningEmulator | undefined;

  if (options.useEmulator) {
    emulator = await listening("emulator", "127.0.0.1", options.emulatorPort, () =>
      startEmulator({ port: options.emulatorPort, host: "127.0.0.1" }),
    );
    settings = emulatorSettings(emulator, demoOrigin, options.env);
    // The emulator's mini program talks to this demo, as a real one to its developer's server.
    const mini = settings.miniProgram && emulator.state.apps.get(settings.miniProgram.appid);
    if (mini) mini.server = `${demoOrigin}/auth`;
    storeUrl = options.env.STORE_URL?.trim() || DEFAULT_STORE_URL;
    // The emulator supplies the app; only a SESSION_SECRET the user set can be wrong here.
    if (loginOptionIssues(settings).some((issue) => issue.field === "sessionSecret")) {
      await emulator.close();
      throw new EnvProblems([{ variable: "SESSION_SECRET", problem: "invalid" }]);
    }
  } else {
    const read = loginSettingsFromEnv(options.env);
    if (!read.settings) throw new EnvProblems(read.problems);
    ({ storeUrl, ...settings } = read.settings);
  }

  let store: Store | undefined;
  try {
    // better-sqlite3 is an optional peer: `npx wechat-login start` in an empty folder has none, and still runs
    // (on memory, said below). An explicit sqlite: STORE_URL without it fails with the ConfigError naming it.
    const noSqlite =
      !options.env.STORE_URL?.trim() &&
      !(await driverInstalled(DRIVERS.sqlite, () => import("better-sqlite3")));
    if (noSqlite) storeUrl = "memory:";
    store = await openStore(storeUrl);
    const storeForLogin = store;
    const traces = new LoginTraces();
    const login = createLogin({
      ...settings,
      store: storeForLogin,
      logger: logger.child({ component: "flow" }),
      onEvent: traces.record,
    });
    const mini = settings.miniProgram;
    const demo = createDemoApp(login, {
      logger: logger.child({ component: "http" }),
      traces,
      siteOrigin: demoOrigin,
      miniProgramPanel:
        emulator && mini
          ? `${emulator.url}/_emulator/mini-program/${mini.appid}?page=${encodeURIComponent(mini.page ?? "pages/login/confirm")}`
          : undefined,
      followLogin: settings.officialAccount?.followLogin !== undefined,
    });
    const server = await listening("demo", options.host, options.port, () =>
      listen(demo.fetch, options.port, options.host),
    );
    if (emulator && settings.officialAccount?.token) {
      await registerServerUrl(
        emulator,
        settings.officialAccount.appid,
        `${demoOrigin}${login.routePrefix}/mp/events`,
      );
    }
    // Expired rows are swept by the flow itself (purgeIntervalSeconds), on whichever instance serves requests.
    options.say(zh ? `演示站点：    ${demoOrigin}/` : `Demo site:     ${demoOrigin}/`);
    if (emulator) options.say(zh ? `微信模拟器：  ${emulator.url}/` : `WeChat emulator: ${emulator.url}/`);
    if (emulator && settings.officialAccount?.followLogin) {
      const follow = `${demoOrigin}${login.routePrefix}/follow`;
      options.say(
        zh
          ? `关注公众号登录：${follow}（扫码或发送登录码）`
          : `Follow to log in: ${follow} (scan, or send a code)`,
      );
    }
    options.say(
      zh ? `存储：        ${describeStore(storeUrl)}` : `Store:         ${describeStore(storeUrl)}`,
    );
    if (noSqlite) options.say(messagesIn(zh ? "zh" : "en").memoryStoreFallback);
    options.say(zh ? "按 Ctrl-C 退出。" : "Press Ctrl-C to stop.");
    const running = emulator;
    return {
      url: demoOrigin,
      emulatorUrl: running?.url,
      close: async () => {
        await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        await login.close();
        await storeForLogin.close();
        await running?.close();
      },
    };
  } catch (error) {
    await store?.close().catch(() => undefined);
    await emulator?.close();
    throw error;
  }
}

/**
 * The emulator's default apps, bound to one Open Platform account: the
 * website app for the QR login, and its official account so a browser inside
 * WeChat (MicroMessenger) logs in through `oauth2/authorize` as the same user.
 */
function emulatorSettings(
  emulator: RunningEmulator,
  demoOrigin: string,
  env: NodeJS.ProcessEnv,
): Omit<LoginOptions, "store"> {
  const website = emulator.apps.find((app) => app.kind === "website" && app.openAccount);
  if (!website) throw new ConfigError("emulator", "has no website app");
  const officialAccount = emulator.apps.find(
    (app) => app.kind === "official-account" && app.openAccount === website.openAccount,
  );
  const miniProgram = emulator.apps.find(
    (app) => app.kind === "mini-program" && app.openAccount === website.openAccount,
  );
  const oaConsole = officialAccount?.officialAccount;
  return {
    appid: website.appid,
    secret: website.secret,
    redirectUri: `${demoOrigin}/auth/callback`,
    // The third way in: "scan the mini-program code" (its page is one the emulator's mini program publishes).
    miniProgram: miniProgram && {
      appid: miniProgram.appid,
      secret: miniProgram.secret,
      page: "pages/login/confirm",
      siteName: "wechat-login demo",
    },
    officialAccount: officialAccount && {
      appid: officialAccount.appid,
      secret: officialAccount.secret,
      // Follow to log in, both variants: the emulator's console gets this site's server URL (followConsole).
      ...(oaConsole && {
        token: oaConsole.token,
        encodingAESKey: oaConsole.encodingAesKey,
        originalId: oaConsole.originalId,
        followLogin: { variants: ["qr", "code"] },
      }),
    },
    openBase: emulator.url,
    apiBase: emulator.url,
    mpBase: emulator.url,
    // Sessions are stored hashed and survive a restart; this secret only seals kept tokens.
    sessionSecret: env.SESSION_SECRET ?? randomBytes(32).toString("hex"),
  };
}

/**
 * The other side of follow-to-login: the emulator's Official Account console
 * (服务器配置) is told the demo's server URL, in safe mode, as a developer
 * would enter it. Saving it runs WeChat's handshake against the demo.
 */
async function registerServerUrl(emulator: RunningEmulator, appid: string, serverUrl: string): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/mp/${appid}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ serverUrl, mode: "safe", format: "xml" }),
  });
  if (!response.ok) throw new ConfigError("emulator", `refused the demo's server URL (${response.status})`);
}

/** Runs `start`, turning a failure to bind into a `ListenFailed` that says which server and port. */
async function listening<T>(
  role: "demo" | "emulator",
  host: string,
  port: number,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : undefined;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
      throw new ListenFailed(role, host, port, code);
    throw error;
  }
}

type FetchHandler = (request: Request) => Response | Promise<Response>;

function listen(fetch: FetchHandler, port: number, host: string): Promise<ReturnType<typeof serve>> {
  return new Promise((resolveListen, reject) => {
    const server = serve({ fetch, port, hostname: host }, () => resolveListen(server));
    server.once("error", reject);
  });
}
