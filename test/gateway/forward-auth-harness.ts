import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";

/**
 * A front proxy that does what Traefik's `forwardAuth` and Caddy's
 * `forward_auth` do, from their documentation and source (gateway spec §5.3,
 * §5.4): a GET to the auth address with the client's headers minus
 * hop-by-hop ones, `X-Forwarded-Method/-Proto/-Host/-Uri/-For` set from the
 * real request (the client's values dropped: Traefik without
 * `trustForwardHeader`, Caddy without `trusted_proxies`); a non-2xx answer
 * goes to the client as it is (status, headers, body: a 302 works); on a 2xx
 * each listed header is deleted from the client's request and copied from the
 * answer when present, and the request goes on to the app. `copyWithoutDelete`
 * is the older Caddy behaviour, which kept a client's copy when the auth
 * answer lacked the header.
 */
export interface ForwardAuthProfile {
  name: "traefik" | "caddy";
  /** `authResponseHeaders` / `copy_headers`. */
  copy: readonly string[];
  /** Traefik v3 `addAuthCookiesToResponse`. */
  authCookies: readonly string[];
  copyWithoutDelete?: boolean;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "host",
]);

export const TRAEFIK: ForwardAuthProfile = {
  name: "traefik",
  copy: [
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
    "X-Auth-Request-Preferred-Username",
    "X-WeChat-UnionID",
    "X-WeChat-OpenID",
    "X-WeChat-AppID",
  ],
  authCookies: ["wl_session"],
};

export const CADDY: ForwardAuthProfile = { ...TRAEFIK, name: "caddy", authCookies: [] };

export class ForwardAuthProxy {
  server: Server | undefined;
  url = "";

  constructor(
    readonly profile: ForwardAuthProfile,
    /** `http://127.0.0.1:4180`: the gateway, for `/_wl/*` and the auth address. */
    readonly gateway: string,
    readonly upstream: string,
  ) {}

  async start(port: number): Promise<this> {
    this.server = createServer((req, res) => {
      this.#handle(req.method ?? "GET", req.url ?? "/", req.headers, req.socket.remoteAddress ?? "").then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers).end(body);
        },
        (error: unknown) => {
          res.writeHead(599).end(String(error));
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(port, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async #handle(method: string, uri: string, incoming: IncomingHttpHeaders, peer: string) {
    const client: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(incoming)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) client[name] = value;
    }
    const host = String(incoming.host ?? "");
    if (uri.startsWith("/_wl/")) return this.#pass(this.gateway, method, uri, { ...client, host });
    const authHeaders: Record<string, string | string[]> = {
      ...client,
      "x-forwarded-method": method,
      "x-forwarded-proto": "http",
      "x-forwarded-host": host,
      "x-forwarded-uri": uri,
      "x-forwarded-for": peer,
    };
    const auth = await request(`${this.gateway}/_wl/forward-auth`, { method: "GET", headers: authHeaders });
    const authBody = await auth.body.text();
    if (auth.statusCode < 200 || auth.statusCode > 299) {
      return { status: auth.statusCode, headers: plain(auth.headers), body: authBody };
    }
    for (const name of this.profile.copy) {
      const lower = name.toLowerCase();
      const value = auth.headers[lower];
      if (!this.profile.copyWithoutDelete) delete client[lower];
      if (typeof value === "string" && value !== "") client[lower] = value;
    }
    const answer = await this.#pass(this.upstream, method, uri, { ...client, host });
    const cookies = toList(auth.headers["set-cookie"]).filter((cookie) =>
      this.profile.authCookies.some((name) => cookie.startsWith(`${name}=`)),
    );
    if (cookies.length > 0)
      answer.headers["set-cookie"] = [...toList(answer.headers["set-cookie"]), ...cookies];
    return answer;
  }

  async #pass(target: string, method: string, uri: string, headers: Record<string, string | string[]>) {
    const answer = await request(`${target}${uri}`, { method: method as "GET", headers });
    return { status: answer.statusCode, headers: plain(answer.headers), body: await answer.body.text() };
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

function toList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function plain(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (
      value !== undefined &&
      !["connection", "keep-alive", "transfer-encoding", "content-length"].includes(name)
    )
      result[name] = value;
  }
  return result;
}
