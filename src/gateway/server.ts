import {
  Agent,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { createProxyServer } from "http-proxy-3";
import { connectionOf, toWebRequest, writeWebResponse } from "../adapters/node-bridge.js";
import type { FlowLogger } from "../flow/config.js";
import { accessLogEntry, proxyTrust, redactUrl, type TrustProxy } from "../flow/index.js";
import type { Decision, Gateway, RequestTarget } from "./gateway.js";
import { headerOf } from "./headers.js";
import { type GatewayIdentity, identityHeaders, isIdentityHeader } from "./identity.js";
import type { GatewayMetrics } from "./metrics.js";
import { normalisedPath } from "./policy.js";

/** A group rule of the proxy mode: requests under `prefix` need one of `groups`. */
export interface RouteGroups {
  prefix: string;
  groups: readonly string[];
}

export interface GatewayServerOptions {
  gateway: Gateway;
  /** The backend (`http://app:8080`); without it only the gateway's own routes answer (auth modes). */
  upstream?: string | undefined;
  /** The gateway's cookies (session and pre-login): removed from `Cookie` before the upstream. */
  cookieNames: readonly string[];
  /** The same setting the login has: whose `X-Forwarded-*` are passed on rather than replaced. */
  trustProxy: TrustProxy;
  routeGroups?: readonly RouteGroups[] | undefined;
  /** Upstream timeout; streaming answers (SSE, chunked) flow unbuffered until it. Default 60 s. */
  upstreamTimeoutMs?: number | undefined;
  logger?: FlowLogger | undefined;
  /**
   * One line per request through `logger`: method, URL (`code`, `state` and tokens redacted, as the flow's
   * access log), status, duration, the decision and the user key; never a cookie or a header value.
   */
  accessLog?: boolean | undefined;
  metrics?: GatewayMetrics | undefined;
}

/** What the access log adds to the flow's fields for a gateway request. */
interface LogNote {
  result?: Decision["result"];
  user?: string;
  uri?: string;
}

/** Forwarded headers the gateway sets itself (a client's are its own claims). */
const FORWARDED = [
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-forwarded-port",
  "forwarded",
];

/**
 * The gateway's HTTP server: its routes under the prefix, and with an
 * upstream the reverse proxy of §5.5 (http-proxy-3 does the proxying,
 * websockets and streaming included).
 */
export function createGatewayServer(options: GatewayServerOptions): GatewayHttpServer {
  const { gateway, logger: log } = options;
  const trust = proxyTrust(options.trustProxy);
  const cookieNames = new Set(options.cookieNames);
  const agent =
    options.upstream === undefined
      ? undefined
      : options.upstream.startsWith("https:")
        ? new HttpsAgent({ keepAlive: true })
        : new Agent({ keepAlive: true });
  const proxy =
    options.upstream === undefined
      ? undefined
      : createProxyServer({
          target: options.upstream,
          // Set in prepare(): http-proxy-3's xfwd would append to a client's own values.
          xfwd: false,
          ws: true,
          proxyTimeout: options.upstreamTimeoutMs ?? 60_000,
          // An https upstream is verified like any TLS peer.
          secure: true,
          // Without an agent every request opens a new connection to the upstream (and leaves it in TIME_WAIT).
          agent,
        });
  proxy?.on("error", (error, _req, target) => {
    log?.error(
      { event: "upstream_failed", reason: (error as NodeJS.ErrnoException).code ?? error.name },
      "upstream failed",
    );
    if (isResponse(target)) {
      if (!target.headersSent)
        target.writeHead(502, {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-store",
        });
      target.end(target.headersSent ? undefined : '{"error":"upstream_unavailable"}');
    } else {
      (target as Duplex | undefined)?.destroy();
    }
  });

  function groupsFor(path: string): readonly string[] {
    const normalised = normalisedPath(path) ?? path;
    const rule = options.routeGroups?.find(
      (route) =>
        normalised === route.prefix ||
        normalised.startsWith(route.prefix.endsWith("/") ? route.prefix : `${route.prefix}/`),
    );
    return rule?.groups ?? [];
  }

  /**
   * `X-Forwarded-For` appended to (right-most: the peer), `-Proto` and `-Host` kept from a trusted front
   * proxy, else set from this connection (gateway spec §5.5); a client's own values never pass.
   */
  function forwardedHeaders(req: IncomingMessage): void {
    const trusted = trust.trustsPeer(req.socket.remoteAddress);
    const first = (name: string) => {
      const value = req.headers[name];
      return typeof value === "string" ? value.split(",")[0]?.trim() || undefined : undefined;
    };
    const incomingFor =
      typeof req.headers["x-forwarded-for"] === "string" ? req.headers["x-forwarded-for"] : "";
    const proto =
      (trusted && first("x-forwarded-proto")) || ((req.socket as TLSSocket).encrypted ? "https" : "http");
    const host = (trusted && first("x-forwarded-host")) || req.headers.host || "";
    for (const name of FORWARDED) delete req.headers[name];
    const peer = req.socket.remoteAddress ?? "";
    req.headers["x-forwarded-for"] = trusted && incomingFor ? `${incomingFor}, ${peer}` : peer;
    req.headers["x-forwarded-proto"] = proto;
    if (host) req.headers["x-forwarded-host"] = host;
  }

  /** What the upstream may see: none of the client's identity headers, none of our cookies, our identity. */
  function prepare(req: IncomingMessage, identity: GatewayIdentity | undefined): void {
    for (const name of Object.keys(req.headers)) if (isIdentityHeader(name)) delete req.headers[name];
    forwardedHeaders(req);
    const cookie = req.headers.cookie;
    if (cookie !== undefined) {
      const kept = cookie
        .split(";")
        .map((part) => part.trim())
        .filter((part) => part !== "" && !cookieNames.has(part.slice(0, Math.max(0, part.indexOf("=")))));
      if (kept.length > 0) req.headers.cookie = kept.join("; ");
      else delete req.headers.cookie;
    }
    if (identity) Object.assign(req.headers, identityHeaders(identity));
  }

  async function decideFor(req: IncomingMessage, request: Request): Promise<Decision> {
    const uri = req.url ?? "/";
    return gateway.decide(
      { method: req.method ?? "GET", uri, headers: req.headers, request },
      groupsFor(pathOnly(uri)),
    );
  }

  function webRequest(req: IncomingMessage, res?: ServerResponse): Request | undefined {
    try {
      const trustProxy = trust.trustsPeer(req.socket.remoteAddress);
      // A GET's Request needs no body and no abort signal (an AbortController per request shows in profiles).
      const bodyless = req.method === "GET" || req.method === "HEAD";
      return toWebRequest(req, res && !bodyless ? { trustProxy, res } : { trustProxy, body: null });
    } catch {
      return undefined;
    }
  }

  const server = createServer((req, res) => {
    const request = webRequest(req, res);
    if (!request) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("Bad Request");
      return;
    }
    const logged = options.accessLog === true && log !== undefined;
    const note: LogNote | undefined = logged ? {} : undefined;
    if (note && log) {
      const started = performance.now();
      res.once("finish", () => {
        // Not `{ ...entry, ...note }`: V8 runs a spread after a spread in microseconds, on every request.
        const entry = Object.assign(
          accessLogEntry(request, res.statusCode, performance.now() - started),
          note,
        );
        log.info(entry, `${entry.method} ${entry.url} ${entry.status}`);
      });
    }
    const run = async () => {
      const target = targetOf(request.url);
      if (gateway.owns(target.pathname)) {
        const connection = connectionOf(req);
        const answer = await gateway.auth(request, connection, target, req.headers);
        if (answer === undefined) {
          await writeWebResponse(res, await gateway.handle(request, connection), req.method);
          return;
        }
        if (note) {
          // The original URI may be a callback's (`?code=…&state=…`): redacted like the request's own URL.
          const uri = headerOf(req.headers, "x-forwarded-uri") ?? headerOf(req.headers, "x-original-uri");
          if (uri) note.uri = redactUrl(uri.slice(0, 2048));
          const user =
            answer instanceof Response
              ? answer.headers.get("x-auth-request-user")
              : answer.headers["x-auth-request-user"];
          if (user) note.user = user;
        }
        if (answer instanceof Response) await writeWebResponse(res, answer, req.method);
        else res.writeHead(answer.status, answer.headers).end();
        return;
      }
      if (!proxy) {
        res
          .writeHead(404, { "content-type": "application/json; charset=utf-8" })
          .end('{"error":"not_found"}');
        return;
      }
      const decision = await decideFor(req, request);
      options.metrics?.decision("proxy", decision.result);
      if (note) {
        note.result = decision.result;
        if (decision.result === "allow" || decision.result === "deny") {
          if (decision.identity) note.user = decision.identity.user;
        }
      }
      if (decision.result !== "allow") {
        await writeWebResponse(res, gateway.refusal(decision, request), req.method);
        return;
      }
      prepare(req, decision.identity);
      const forwarded = performance.now();
      if (options.metrics) {
        const { metrics } = options;
        res.once("finish", () => metrics.upstream(res.statusCode, (performance.now() - forwarded) / 1000));
      }
      proxy.web(req, res);
    };
    run().catch((error: unknown) => {
      log?.error(
        { event: "gateway_internal_error", reason: error instanceof Error ? error.name : "error" },
        "request failed",
      );
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end();
    });
  });

  const tunnels = new Set<Duplex>();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    tunnels.add(socket);
    socket.once("close", () => tunnels.delete(socket));
    const request = webRequest(req);
    const refuse = (status: number, reason: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n`,
      );
    };
    if (request && gateway.owns(new URL(request.url).pathname)) {
      // Caddy's forward_auth passes the client's Upgrade header on to the auth endpoint: the subrequest of
      // a websocket is still a plain HTTP question, answered on the socket and closed.
      gateway.handle(request, connectionOf(req)).then(
        (response) => writeOnSocket(socket, response),
        () => refuse(500, "Internal Server Error"),
      );
      return;
    }
    if (!request || !proxy) {
      refuse(request ? 404 : 400, request ? "Not Found" : "Bad Request");
      return;
    }
    decideFor(req, request).then(
      (decision) => {
        options.metrics?.decision("proxy", decision.result);
        if (decision.result === "allow") {
          prepare(req, decision.identity);
          proxy.ws(req, socket, head);
        } else if (decision.result === "login") refuse(401, "Unauthorized");
        else if (decision.result === "deny") refuse(403, "Forbidden");
        else refuse(503, "Service Unavailable");
      },
      () => refuse(500, "Internal Server Error"),
    );
  });

  server.on("close", () => {
    proxy?.close();
    agent?.destroy();
  });
  return {
    server,
    closeTunnels() {
      for (const socket of tunnels) socket.destroy();
    },
  };
}

/** The server, and what a graceful stop needs beyond `server.close()`. */
export interface GatewayHttpServer {
  server: Server;
  /** Ends the websocket tunnels, which `server.close()` does not wait for or end. */
  closeTunnels(): void;
}

/** A Web response written as HTTP/1.1 on a socket node handed over as an upgrade, then the socket closed. */
async function writeOnSocket(socket: Duplex, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`];
  for (const [name, value] of response.headers) if (name !== "set-cookie") lines.push(`${name}: ${value}`);
  for (const cookie of response.headers.getSetCookie()) lines.push(`set-cookie: ${cookie}`);
  lines.push(`content-length: ${body.length}`, "connection: close", "", "");
  socket.write(lines.join("\r\n"));
  socket.end(body);
}

function isResponse(target: unknown): target is ServerResponse {
  return typeof target === "object" && target !== null && "writeHead" in target;
}

const QUERY_OR_FRAGMENT = /[?#]/;

/**
 * The path and query of a Web request's URL (`Request.url`) without parsing it a third time (the bridge and
 * the Request parsed it already). It is an http(s) URL as the WHATWG serializer writes it: the path starts
 * at the first `/` after `//` (a host has none, userinfo escapes it) and ends at `?` or `#` (escaped in a
 * path); the query ends at `#` (escaped in a query); a lone `?` is an empty search, as `URL#search` says.
 */
export function targetOf(href: string): RequestTarget {
  const start = href.indexOf("/", href.indexOf("//") + 2);
  if (start === -1) return new URL(href);
  const hash = href.indexOf("#", start);
  const end = hash === -1 ? href.length : hash;
  const query = href.indexOf("?", start);
  if (query === -1 || query > end) return { pathname: href.slice(start, end), search: "" };
  return { pathname: href.slice(start, query), search: query + 1 === end ? "" : href.slice(query, end) };
}

function pathOnly(uri: string): string {
  const end = uri.search(QUERY_OR_FRAGMENT);
  return end === -1 ? uri : uri.slice(0, end);
}
