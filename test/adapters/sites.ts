import { createServer } from "node:net";
import { parseSetCookie } from "cookie";
import { start as startExpress } from "../../examples/express/server.js";
import { start as startFastify } from "../../examples/fastify/server.js";
import { start as startHono } from "../../examples/hono/server.js";
import { start as startKoa } from "../../examples/koa/server.js";
import { start as startNodeHttp } from "../../examples/node-http/server.js";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { createLogin, type Login, type LoginOptions } from "../../src/flow/index.js";
import { neverThrowing } from "../../src/flow/last-guard.js";
import { memoryStore } from "../../src/stores/memory.js";
import { start as startNextStandIn } from "./next-stand-in.js";

/** A started example site. */
export interface Site {
  url: string;
  close(): Promise<void>;
}

export type StartSite = (options: { port: number; login: Login }) => Promise<Site>;

/**
 * Every framework's example, started the way its docs say; for Next.js, its route handlers in-process
 * (next.test.ts builds and starts the real app).
 */
export const FRAMEWORKS: ReadonlyArray<readonly [name: string, start: StartSite]> = [
  ["node-http", startNodeHttp],
  ["express", startExpress],
  ["koa", startKoa],
  ["fastify", startFastify],
  ["hono", startHono],
  ["next (route handlers on node:http)", startNextStandIn],
];

/** A free loopback port: the login's redirect URI names the port before the site listens. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export const WEBSITE_APPID = "wx0123456789abcdef";
export const SESSION_SECRET = "s".repeat(16) + "e".repeat(16);

/** A login whose WeChat is the emulator's website app (and its mini program), for a site on `port`. */
export function emulatorLogin(emulator: RunningEmulator, port: number): Login {
  const app = emulator.apps.find((candidate) => candidate.kind === "website" && candidate.openAccount)!;
  const mini = emulator.apps.find((candidate) => candidate.kind === "mini-program" && candidate.openAccount)!;
  return createLogin({
    miniProgram: { appid: mini.appid, secret: mini.secret },
    appid: app.appid,
    secret: app.secret,
    redirectUri: `http://localhost:${port}/auth/callback`,
    openBase: emulator.url,
    apiBase: emulator.url,
    sessionSecret: SESSION_SECRET,
    store: memoryStore(),
  });
}

/** Valid options for a login whose WeChat is never reached (the fake and failing-store tests). */
export function offlineOptions(port: number, overrides: Partial<LoginOptions> = {}): LoginOptions {
  return {
    appid: WEBSITE_APPID,
    secret: "f".repeat(32),
    redirectUri: `http://localhost:${port}/auth/callback`,
    sessionSecret: SESSION_SECRET,
    store: memoryStore(),
    ...overrides,
  };
}

/**
 * A Login whose `handle` the test writes: checks what each adapter hands the
 * flow and what it makes of the answer, without WeChat.
 */
export function fakeLogin(
  port: number,
  handle: (request: Request) => Promise<Response>,
  options: Partial<LoginOptions> = {},
): Login {
  // A real login for every member the adapters read (prefix, trust, the 401 answer), around a stand-in
  // handle that keeps the real one's promise never to throw.
  const real = createLogin(offlineOptions(port, options));
  return {
    ...real,
    handle: neverThrowing(handle, options.logger, false),
    matches: (request) => new URL(request.url).pathname.startsWith("/auth/"),
    getSession: async () => undefined,
  };
}

/** A browser over real HTTP: keeps cookies like one, follows no redirect on its own. */
export class CookieClient {
  readonly cookies = new Map<string, string>();
  lastSetCookies: string[] = [];

  constructor(readonly origin: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const url = path.startsWith("http") ? path : `${this.origin}${path}`;
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    this.lastSetCookies = response.headers.getSetCookie();
    for (const header of this.lastSetCookies) {
      const cookie = parseSetCookie(header);
      const value = cookie.value ?? "";
      if (cookie.maxAge === 0 || value === "") this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, value);
    }
    return response;
  }
}
