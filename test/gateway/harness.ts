import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { parseSetCookie } from "cookie";
import { request } from "undici";
import { WebSocketServer } from "ws";
import { DEFAULT_OPEN_ACCOUNT } from "../../src/emulator/defaults.js";
import { unionidFor } from "../../src/emulator/ids.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { type GatewaySettings, type RunningGateway, startGateway } from "../../src/gateway/index.js";
import type { Store } from "../../src/stores/types.js";
import { confirmOnPhone } from "../support/confirm.js";

/** What the echo upstream saw of the last request. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * The backend behind the gateway: answers every request with what it
 * received (as JSON), streams `/stream` in chunks, and echoes websocket messages.
 */
export class EchoUpstream {
  seen: Seen[] = [];
  server: Server | undefined;
  url = "";
  hostPort = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        const seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
        this.seen.push(seen);
        if (req.url === "/own-403") {
          res.writeHead(403, { "content-type": "text/plain" }).end("the app's own 403");
          return;
        }
        if (req.url === "/stream") {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write("data: one\n\n");
          setTimeout(() => res.end("data: two\n\n"), 150);
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(seen));
      });
    });
    const wss = new WebSocketServer({ server: this.server });
    wss.on("connection", (socket, req) => {
      socket.send(
        JSON.stringify({
          user: req.headers["x-auth-request-user"] ?? null,
          cookie: req.headers.cookie ?? null,
          origin: req.headers.origin ?? null,
          host: req.headers.host ?? null,
        }),
      );
      socket.on("message", (data) => socket.send(`echo:${data.toString()}`));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.hostPort = `127.0.0.1:${port}`;
    this.url = `http://${this.hostPort}`;
    return this;
  }

  last(): Seen {
    const seen = this.seen.at(-1);
    if (!seen) throw new Error("the upstream saw nothing");
    return seen;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export interface GatewayHarness {
  emulator: RunningEmulator;
  gateway: RunningGateway;
  /** The emulator's default users' unionids (one Open Platform account: the same in QR and in-WeChat logins). */
  unionid(userId: string): string;
  close(): Promise<void>;
}

/** The gateway on the emulator's default apps (website + official account), on `store`. */
export async function startGatewayHarness(
  store: Store,
  overrides: Partial<GatewaySettings> & { port: number; publicOrigin: string },
): Promise<GatewayHarness> {
  const emulator = await startEmulator({ port: 0 });
  const website = emulator.apps.find((app) => app.kind === "website" && app.openAccount);
  const officialAccount = emulator.apps.find((app) => app.kind === "official-account" && app.openAccount);
  if (!website || !officialAccount) throw new Error("emulator apps missing");
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      appid: website.appid,
      secret: website.secret,
      officialAccount: { appid: officialAccount.appid, secret: officialAccount.secret },
      sessionSecret: "g".repeat(32),
      store,
      host: "127.0.0.1",
      openBase: emulator.url,
      apiBase: emulator.url,
      ...overrides,
    });
  } catch (error) {
    await emulator.close();
    throw error;
  }
  return {
    emulator,
    gateway,
    unionid: (userId) => unionidFor(DEFAULT_OPEN_ACCOUNT, userId),
    async close() {
      await gateway.close();
      await emulator.close();
    },
  };
}

/**
 * One HTTP request as a browser sends it, no redirect followed. Not `fetch`:
 * fetch overwrites `Sec-Fetch-Mode` with `cors`, and the gateway's
 * classification reads exactly that header.
 */
export async function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const answer = await request(url, { method: (init.method ?? "GET") as "GET", headers: init.headers });
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const bodyless = init.method === "HEAD" || [204, 304].includes(answer.statusCode);
  if (bodyless) await answer.body.dump();
  const body = bodyless ? null : (Readable.toWeb(answer.body) as ReadableStream<Uint8Array>);
  return new Response(body, { status: answer.statusCode, headers });
}

/** A browser's cookie jar for the site, over {@link raw}. */
export class GatewayBrowser {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly userAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0",
    readonly acceptLanguage = "en",
  ) {}

  async get(
    url: string,
    init: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      "user-agent": this.userAgent,
      "accept-language": this.acceptLanguage,
      ...init.headers,
    };
    if (this.cookies.size > 0 && !("cookie" in headers))
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await raw(url, { method: init.method ?? "GET", headers });
    for (const header of response.headers.getSetCookie()) {
      const cookie = parseSetCookie(header);
      if (cookie.maxAge === 0 || !cookie.value) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  /** The Location of a redirect, resolved against the URL asked for. */
  static location(response: Response, from: string): string {
    const location = response.headers.get("location");
    if (!location) throw new Error(`expected a redirect, got ${response.status}`);
    return new URL(location, from).href;
  }
}

/**
 * A whole login as a browser does it, from a protected URL: the 302 to the
 * gateway's login, WeChat's page, the phone's confirmation, the callback,
 * and the redirect back. Returns where the callback sent the browser.
 */
export async function loginThrough(
  browser: GatewayBrowser,
  emulatorUrl: string,
  protectedUrl: string,
  options: { userId?: string; headers?: Record<string, string> } = {},
): Promise<{ back: string; authorize: string }> {
  const first = await browser.get(protectedUrl, {
    headers: { "sec-fetch-mode": "navigate", ...options.headers },
  });
  if (first.status !== 302)
    throw new Error(`protected URL answered ${first.status}, not a redirect to the login`);
  const loginUrl = GatewayBrowser.location(first, protectedUrl);
  const start = await browser.get(loginUrl, { headers: { "sec-fetch-mode": "navigate" } });
  if (start.status !== 302) throw new Error(`login start answered ${start.status}`);
  const authorize = GatewayBrowser.location(start, loginUrl);
  const callback = await confirmOnPhone(emulatorUrl, authorize, { userId: options.userId ?? "zhangsan" });
  const done = await browser.get(callback, { headers: { "sec-fetch-mode": "navigate" } });
  if (done.status !== 302) throw new Error(`callback answered ${done.status}: ${await done.text()}`);
  return { back: GatewayBrowser.location(done, callback), authorize };
}
