import { randomBytes } from "node:crypto";
import { serve } from "@hono/node-server";
import { createDemoApp } from "../demo/app.js";
import { startEmulator } from "../emulator/index.js";
import { createLogin, type LoginOptions } from "../flow/index.js";
import { ConfigError } from "../protocol/errors.js";
import { DRIVERS, driverInstalled } from "../stores/drivers.js";
import { storeFromUrl } from "../stores/from-url.js";
import type { Store } from "../stores/types.js";
import { loginSettingsFromEnv } from "./env-config.js";
import { createLogger } from "./logger.js";
import { messagesIn } from "./messages.js";

export interface StartOptions {
  port: number;
  host: string;
  emulatorPort: number;
  useEmulator: boolean;
  env: NodeJS.ProcessEnv;
  say: (line: string) => void;
  lang: "zh-CN" | "en";
}

export interface RunningDemo {
  url: string;
  emulatorUrl: string | undefined;
  close(): Promise<void>;
}

const ENV_NAMES: Record<string, string> = {
  appid: "WECHAT_APPID",
  secret: "WECHAT_SECRET",
  redirectUri: "WECHAT_REDIRECT_URI",
  openBase: "WECHAT_OPEN_BASE",
  apiBase: "WECHAT_API_BASE",
  sessionSecret: "SESSION_SECRET",
};

/**
 * Starts the demo site, and unless `useEmulator` is false the local WeChat
 * emulator it logs in through, on the store of `STORE_URL` (SQLite by default).
 */
export async function startDemo(options: StartOptions): Promise<RunningDemo> {
  const logger = createLogger("wechat-login");
  const zh = options.lang === "zh-CN";
  const demoOrigin = `http://${options.host === "0.0.0.0" ? "localhost" : options.host}:${options.port}`;
  let settings: Omit<LoginOptions, "store">;
  let storeUrl: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>> | undefined;

  if (options.useEmulator) {
    emulator = await startEmulator({ port: options.emulatorPort, host: "127.0.0.1" });
    const app = emulator.apps.find((candidate) => candidate.kind === "website" && candidate.openAccount);
    if (!app) throw new ConfigError("emulator", "has no website app");
    settings = {
      appid: app.appid,
      secret: app.secret,
      redirectUri: `${demoOrigin}/auth/callback`,
      openBase: emulator.url,
      apiBase: emulator.url,
      // Sessions are stored hashed and survive a restart; this secret only seals kept tokens.
      sessionSecret: options.env.SESSION_SECRET ?? randomBytes(32).toString("hex"),
    };
    storeUrl = options.env.STORE_URL?.trim() || "sqlite:./data/wechat-login.db";
  } else {
    const env = withEnvNames(() => loginSettingsFromEnv(options.env));
    settings = {
      appid: env.appid,
      secret: env.secret,
      redirectUri: env.redirectUri,
      openBase: env.openBase,
      apiBase: env.apiBase,
      sessionSecret: env.sessionSecret,
    };
    storeUrl = env.storeUrl;
  }

  let store: Store | undefined;
  try {
    // better-sqlite3 is an optional peer: `npx wechat-login start` in an empty folder has none, and still runs
    // (on memory, said below). An explicit sqlite: STORE_URL without it fails with the ConfigError naming it.
    const noSqlite =
      !options.env.STORE_URL?.trim() &&
      !(await driverInstalled(DRIVERS.sqlite, () => import("better-sqlite3")));
    if (noSqlite) storeUrl = "memory:";
    store = await storeFromUrl(storeUrl);
    const storeForLogin = store;
    const login = withEnvNames(() =>
      createLogin({ ...settings, store: storeForLogin, logger: logger.child({ component: "flow" }) }),
    );
    const demo = createDemoApp(login);
    const server = await listen(demo.fetch, options.port, options.host);
    // Expired rows are swept by the flow itself (purgeIntervalSeconds), on whichever instance serves requests.
    options.say(zh ? `演示站点：    ${demoOrigin}/` : `Demo site:     ${demoOrigin}/`);
    if (emulator) options.say(zh ? `微信模拟器：  ${emulator.url}/` : `WeChat emulator: ${emulator.url}/`);
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
        await new Promise<void>((resolve) => server.close(() => resolve()));
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

function withEnvNames<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError && ENV_NAMES[error.field]) {
      throw new ConfigError(ENV_NAMES[error.field]!, error.problem);
    }
    throw error;
  }
}

// Only the scheme and location: a Redis or PostgreSQL URL may carry a password.
function describeStore(storeUrl: string): string {
  if (storeUrl.startsWith("sqlite:") || storeUrl.startsWith("memory:")) return storeUrl;
  try {
    const url = new URL(storeUrl);
    return `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ""}`;
  } catch {
    return "(invalid)";
  }
}

type FetchHandler = (request: Request) => Response | Promise<Response>;

function listen(fetch: FetchHandler, port: number, host: string): Promise<ReturnType<typeof serve>> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: host }, () => resolve(server));
    server.once("error", reject);
  });
}
