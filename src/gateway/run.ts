import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CookiePolicy } from "../flow/cookies.js";
import { createLogin, type FlowLogger, type TrustProxy } from "../flow/index.js";
import type { Store } from "../stores/types.js";
import { createGateway, type Gateway } from "./gateway.js";
import type { GatewayMetrics } from "./metrics.js";
import type { PublicRoute } from "./policy.js";
import type { Roster } from "./roster.js";
import { createGatewayServer, type GatewayServerOptions, type RouteGroups } from "./server.js";

/** Everything one gateway process needs; the CLI builds it from flags, env and files. */
export interface GatewaySettings {
  /** The website app (QR login). */
  appid: string;
  secret: string;
  /** The official account, for logins inside WeChat. */
  officialAccount?: { appid: string; secret: string } | undefined;
  /** The protected site's public origin (`https://app.example.com`): the callback is `{origin}{prefix}/callback`. */
  publicOrigin: string;
  sessionSecret: string;
  store: Store;
  /** The prefix of the gateway's routes (default `/_wl`). */
  prefix?: string | undefined;
  host: string;
  port: number;
  upstream?: string | undefined;
  roster?: Roster | undefined;
  requireUnionid?: boolean | undefined;
  publicRoutes?: readonly PublicRoute[] | undefined;
  routeGroups?: readonly RouteGroups[] | undefined;
  /** `--trusted-proxy`: none by default. */
  trustProxy?: TrustProxy | undefined;
  openBase?: string | undefined;
  apiBase?: string | undefined;
  upstreamTimeoutMs?: number | undefined;
  logger?: FlowLogger | undefined;
  /** One redacted line per request through `logger` (see {@link GatewayServerOptions.accessLog}). */
  accessLog?: boolean | undefined;
  /** Counts decisions, logins, WeChat errcodes and latencies; serve them with {@link GatewayMetrics.listen}. */
  metrics?: GatewayMetrics | undefined;
}

export interface RunningGateway {
  /** Where the gateway listens: `http://127.0.0.1:4180`. */
  url: string;
  gateway: Gateway;
  server: Server;
  /** Stops accepting, lets open requests finish, closes the login's pools (not the store, which the caller owns). */
  close(): Promise<void>;
}

/** Starts the gateway: the login on `{prefix}`, the decision, and the server (reverse proxy with `upstream`). */
export async function startGateway(settings: GatewaySettings): Promise<RunningGateway> {
  const prefix = settings.prefix ?? "/_wl";
  const trustProxy = settings.trustProxy ?? false;
  const redirectUri = `${settings.publicOrigin}${prefix}/callback`;
  const login = createLogin({
    appid: settings.appid,
    secret: settings.secret,
    officialAccount: settings.officialAccount,
    redirectUri,
    sessionSecret: settings.sessionSecret,
    store: settings.store,
    routePrefix: prefix,
    trustProxy,
    openBase: settings.openBase,
    apiBase: settings.apiBase,
    logger: settings.logger,
    onEvent: settings.metrics?.onEvent,
  });
  const gateway = createGateway({
    login,
    store: settings.store,
    siteOrigin: settings.publicOrigin,
    policy: {
      roster: settings.roster,
      requireUnionid: settings.requireUnionid ?? false,
      singleAppid: settings.officialAccount === undefined,
    },
    publicRoutes: settings.publicRoutes,
    inWeChatLogin: settings.officialAccount !== undefined,
    trustProxy,
    logger: settings.logger,
    metrics: settings.metrics,
  });
  const names = new CookiePolicy(redirectUri).names;
  const http = createGatewayServer({
    gateway,
    upstream: settings.upstream,
    cookieNames: [names.session, names.preLogin],
    trustProxy,
    routeGroups: settings.routeGroups,
    upstreamTimeoutMs: settings.upstreamTimeoutMs,
    logger: settings.logger,
    accessLog: settings.accessLog,
    metrics: settings.metrics,
  });
  const { server } = http;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(settings.port, settings.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await login.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${shownHost}:${port}`,
    gateway,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open; busy ones finish their response first.
        server.closeIdleConnections();
        http.closeTunnels();
      });
      await login.close();
    },
  };
}
