import { parseSetCookie } from "cookie";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { createLogin, type Login, type LoginOptions } from "../../src/flow/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import type { Store } from "../../src/stores/types.js";
import { confirmOnPhone } from "../support/confirm.js";

/** Everything the flow wrote to its logger and every body it served, for the secrets scan. */
export const transcript: string[] = [];

export const SITE = "http://localhost:3999";

/** A browser's cookie jar for one site, parsed with the cookie library. */
export class Browser {
  readonly cookies = new Map<string, string>();
  userAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0";
  lastSetCookies: string[] = [];

  constructor(
    private readonly login: Login,
    readonly acceptLanguage = "en",
  ) {}

  async request(
    path: string,
    init: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("user-agent", this.userAgent);
    headers.set("accept-language", this.acceptLanguage);
    if (this.cookies.size > 0) {
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const url = path.startsWith("http") ? path : `${SITE}${path}`;
    const response = await this.login.handle(new Request(url, { method: init.method ?? "GET", headers }));
    this.lastSetCookies = response.headers.getSetCookie();
    for (const header of this.lastSetCookies) {
      const cookie = parseSetCookie(header);
      if (cookie.maxAge === 0 || cookie.value === "") this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value ?? "");
    }
    const body = await response.clone().text();
    transcript.push(body);
    return response;
  }
}

export interface Harness {
  emulator: RunningEmulator;
  login: Login;
  store: Store;
  website: { appid: string; secret: string };
  officialAccount: { appid: string; secret: string };
  clock: { offsetMs: number };
  /** What a user confirming on the phone does: returns WeChat's redirect to our callback. */
  confirm(
    authorizeLocation: string,
    options?: { userId?: string; decision?: "allow" | "deny" },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<LoginOptions> = {}): Promise<Harness> {
  const emulator = await startEmulator({ port: 0 });
  const website = emulator.apps.find((app) => app.kind === "website" && app.openAccount)!;
  const officialAccount = emulator.apps.find((app) => app.kind === "official-account" && app.openAccount)!;
  const store = memoryStore();
  const clock = { offsetMs: 0 };
  const login = createLogin({
    appid: website.appid,
    secret: website.secret,
    redirectUri: `${SITE}/auth/callback`,
    officialAccount: { appid: officialAccount.appid, secret: officialAccount.secret },
    openBase: emulator.url,
    apiBase: emulator.url,
    sessionSecret: "s".repeat(16) + "e".repeat(16),
    store,
    now: () => Date.now() + clock.offsetMs,
    logger: {
      info: (object, message) => transcript.push(JSON.stringify({ ...object, message })),
      warn: (object, message) => transcript.push(JSON.stringify({ ...object, message })),
      error: (object, message) => transcript.push(JSON.stringify({ ...object, message })),
    },
    ...overrides,
  });
  return {
    emulator,
    login,
    store,
    website,
    officialAccount,
    clock,
    confirm: (authorizeLocation, options = {}) => confirmOnPhone(emulator.url, authorizeLocation, options),
    async close() {
      await login.close();
      await store.close();
      await emulator.close();
    },
  };
}

/** Runs /login, confirms on the emulator, and returns the callback URL WeChat sent the browser to. */
export async function startLogin(
  harness: Harness,
  browser: Browser,
  options: { returnTo?: string; userId?: string; decision?: "allow" | "deny" } = {},
): Promise<string> {
  const query = options.returnTo === undefined ? "" : `?returnTo=${encodeURIComponent(options.returnTo)}`;
  const response = await browser.request(`/auth/login${query}`);
  if (response.status !== 302) throw new Error(`login answered ${response.status}`);
  return harness.confirm(response.headers.get("location")!, options);
}
