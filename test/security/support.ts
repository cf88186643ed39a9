import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import type { afterAll, beforeAll } from "vitest";
import { loginRoutes } from "../../src/adapters/node.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { createLogin, type Login, type LoginOptions } from "../../src/flow/index.js";
import { storeFromUrl } from "../../src/stores/from-url.js";
import type { Store } from "../../src/stores/types.js";
import { ClusterBrowser } from "../cluster/browser.js";
import { deleteRedisKeys, dropSchema, runName, withParam } from "../support/backends.js";
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from "../support/databases.js";
import type { ServiceCheck } from "../support/services.js";

/** A store under test, opened fresh for one file and removed afterwards. */
export interface StoreKind {
  name: string;
  check(): Promise<ServiceCheck>;
  open(): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

const always = async (): Promise<ServiceCheck> => ({ available: true, reason: "" });

/** Every store the flow runs on: each security scenario runs on all four. */
export const STORE_KINDS: readonly StoreKind[] = [
  {
    name: "memory",
    check: always,
    open: async () => ({ store: await storeFromUrl("memory:"), cleanup: noop }),
  },
  {
    name: "sqlite",
    check: always,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "wl-security-"));
      return {
        store: await storeFromUrl(`sqlite:${join(dir, "login.db")}`),
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "redis",
    check: requireRedis,
    async open() {
      const prefix = `${runName("security")}:`;
      return {
        store: await storeFromUrl(withParam(REDIS_URL, "prefix", prefix)),
        async cleanup() {
          const admin = new Redis(REDIS_URL);
          await deleteRedisKeys(admin, prefix);
          admin.disconnect();
        },
      };
    },
  },
  {
    name: "postgres",
    check: requirePostgres,
    async open() {
      const schema = runName("security");
      return {
        store: await storeFromUrl(withParam(POSTGRES_URL, "schema", schema)),
        async cleanup() {
          const admin = new pg.Client({ connectionString: POSTGRES_URL });
          await admin.connect();
          await dropSchema(admin, schema);
          await admin.end();
        },
      };
    },
  },
];

async function noop(): Promise<void> {}

/** Counts the store calls the flow makes, by method: "before any store call" is then observable. */
export function countingStore(store: Store): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        calls.set(property, (calls.get(property) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: counted, calls };
}

export type ScriptedAnswer = (query: URLSearchParams) => unknown;

/**
 * A WeChat API that answers what the test says, and counts every call: for
 * the answers a faithful emulator never gives (userinfo naming another user).
 */
export class ScriptedWeChat {
  readonly calls = new Map<string, number>();
  readonly answers = new Map<string, ScriptedAnswer>();
  #server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.#server = createServer((req: IncomingMessage, res) => {
      const url = new URL(req.url ?? "/", "http://scripted.invalid");
      this.calls.set(url.pathname, (this.calls.get(url.pathname) ?? 0) + 1);
      const answer = this.answers.get(url.pathname);
      const body = answer ? answer(url.searchParams) : { errcode: 40001, errmsg: "unscripted" };
      res.writeHead(200, { "content-type": "text/plain" }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  count(path: string): number {
    return this.calls.get(path) ?? 0;
  }

  /** Calls to WeChat's API host, every path. */
  total(): number {
    return [...this.calls.values()].reduce((sum, n) => sum + n, 0);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

/** A site serving the login routes over real HTTP on loopback. */
export interface SecuritySite {
  url: string;
  login: Login;
  /** Every line the flow logged, for the scans. */
  log: string[];
  close(): Promise<void>;
}

export const WEBSITE = { appid: "wx0123456789abcdef", secret: "website-secret-0123456789abcdef" };
export const OFFICIAL_ACCOUNT = { appid: "wxfedcba9876543210", secret: "official-secret-0123456789abcdef" };

/**
 * Starts the login on `store` against `upstream` (the emulator or a scripted
 * WeChat). `publicOrigin` is the site's public origin: an https one makes the
 * site secure, served here behind a "TLS-terminating proxy" (the test sends
 * `X-Forwarded-Proto`) that `trustProxy` trusts.
 */
export async function startSite(options: {
  store: Store;
  upstream: string;
  apps?: { website: { appid: string; secret: string }; officialAccount?: { appid: string; secret: string } };
  publicOrigin?: string;
  overrides?: Partial<LoginOptions>;
}): Promise<SecuritySite> {
  const log: string[] = [];
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const url = `http://localhost:${address.port}`;
  const apps = options.apps ?? { website: WEBSITE, officialAccount: OFFICIAL_ACCOUNT };
  const record = (object: object, message?: string) => log.push(JSON.stringify({ ...object, message }));
  const login = createLogin({
    ...apps.website,
    officialAccount: apps.officialAccount,
    redirectUri: `${options.publicOrigin ?? url}/auth/callback`,
    openBase: options.upstream,
    apiBase: options.upstream,
    sessionSecret: "security-session-secret-0123456789abcdef",
    store: options.store,
    logger: { info: record, warn: record, error: record },
    // The test plays the TLS-terminating proxy on loopback, which sends X-Forwarded-Proto.
    trustProxy: "loopback",
    ...options.overrides,
  });
  server.on("request", loginRoutes(login, { fallthrough: false }));
  return {
    url,
    login,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await login.close();
    },
  };
}

export const WECHAT_BROWSER =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AppleWebKit/605.1.15 MicroMessenger/8.0.50";
export const DESKTOP_BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0";

/** The state of a `/login` redirect to WeChat. */
export function stateOf(location: string | null): string {
  const state = new URL(location ?? "http://missing.invalid").searchParams.get("state");
  if (!state) throw new Error(`no state in ${location}`);
  return state;
}

/** A cookie-jar browser with a user agent, optionally behind the site's TLS-terminating proxy. */
export class SecurityBrowser extends ClusterBrowser {
  constructor(
    public userAgent = DESKTOP_BROWSER,
    /** Sends `X-Forwarded-Proto: https`, as the proxy in front of a secure site does. */
    readonly behindTls = false,
  ) {
    super("en");
  }

  override request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Response> {
    const forwarded: Record<string, string> = this.behindTls ? { "x-forwarded-proto": "https" } : {};
    return super.request(url, {
      ...init,
      headers: { "user-agent": this.userAgent, ...forwarded, ...init.headers },
    });
  }
}

/** WeChat's redirect to the public callback, sent to the site's real address (what the proxy does). */
export function onSite(site: SecuritySite, location: string): string {
  const target = new URL(location);
  return `${site.url}${target.pathname}${target.search}`;
}

/** Opens the store of `kind` around the file's tests; `current()` is the open one. */
export function useStore(kind: StoreKind, hooks: { beforeAll: typeof beforeAll; afterAll: typeof afterAll }) {
  let opened: { store: Store; cleanup(): Promise<void> } | undefined;
  hooks.beforeAll(async () => {
    opened = await kind.open();
  });
  hooks.afterAll(async () => {
    await opened?.store.close();
    await opened?.cleanup();
  });
  return () => {
    if (!opened) throw new Error("store not open");
    return opened.store;
  };
}

/** The emulator around a file's tests. */
export function useEmulator(hooks: { beforeAll: typeof beforeAll; afterAll: typeof afterAll }) {
  let emulator: RunningEmulator | undefined;
  hooks.beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  hooks.afterAll(async () => {
    await emulator?.close();
  });
  return () => {
    if (!emulator) throw new Error("emulator not started");
    return emulator;
  };
}

/** The emulator's website app and official account of one Open Platform account (one unionid per person). */
export function appsOf(emulator: RunningEmulator) {
  const website = emulator.apps.find((app) => app.kind === "website" && app.openAccount)!;
  const officialAccount = emulator.apps.find((app) => app.kind === "official-account" && app.openAccount)!;
  return {
    website: { appid: website.appid, secret: website.secret },
    officialAccount: { appid: officialAccount.appid, secret: officialAccount.secret },
  };
}
