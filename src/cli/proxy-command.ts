import { readFileSync } from "node:fs";
import { request } from "undici";
import { type RunningEmulator, startEmulator } from "../emulator/index.js";
import { CookiePolicy } from "../flow/cookies.js";
import {
  caddyConfig,
  type FrontProxySettings,
  GatewayMetrics,
  type GatewaySettings,
  nginxConfig,
  parsePublicRoute,
  parseRoster,
  type RouteGroups,
  startGateway,
  storeProblem,
  traefikConfig,
} from "../gateway/index.js";
import { ConfigError } from "../protocol/errors.js";
import type { Store } from "../stores/types.js";
import { type CliCommand, type CliContext, UsageError } from "./command.js";
import { StoreOpenFailed } from "./demo-errors.js";
import { parsePort } from "./flags.js";
import { createLogger, isLogLevel, LOG_LEVELS } from "./logger.js";
import { envName, type ProxySettingName, type ProxyValues, readProxySettings } from "./proxy-settings.js";
import { describeStore, openStore } from "./store.js";

/** `host:port` of `--listen` (`:4180` binds every interface). */
function parseListen(context: CliContext, text: string, flag = "--listen"): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text.trim());
  if (!match) throw new UsageError(context.messages.proxy.invalid(flag, `"${text}" is not HOST:PORT`));
  const host = match[1] ?? match[2] ?? "";
  return {
    host: host === "" ? "0.0.0.0" : host,
    port: parsePort(context.messages, flag, match[3] ?? ""),
  };
}

function required(context: CliContext, values: ProxyValues, name: ProxySettingName): string {
  const value = values.strings[name];
  if (value === undefined) throw new UsageError(context.messages.proxy.missing(`--${name}`, envName(name)));
  return value;
}

/** An origin without path, query or fragment: where the login and its callback live. */
function parseOrigin(context: CliContext, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(context.messages.proxy.invalid("--public-url", `"${text}" is not a URL`));
  }
  if (
    !/^https?:$/.test(url.protocol) ||
    (url.pathname !== "/" && url.pathname !== "") ||
    url.search ||
    url.hash
  )
    throw new UsageError(
      context.messages.proxy.invalid("--public-url", "must be http(s)://host[:port] alone"),
    );
  return url.origin;
}

function parseGroups(context: CliContext, items: readonly string[]): RouteGroups[] {
  // A list flag is split on commas, so `/admin=ops,dev` arrives as "/admin=ops" and "dev": a bare name joins the rule before it.
  const rules: { prefix: string; groups: string[] }[] = [];
  for (const item of items) {
    const match = /^(\/[^=]*)=(.+)$/.exec(item);
    if (match?.[1] && match[2]) rules.push({ prefix: match[1], groups: [match[2]] });
    else if (rules.length > 0 && !item.includes("=")) rules.at(-1)?.groups.push(item);
    else
      throw new UsageError(context.messages.proxy.invalid("--group", `"${item}" is not /path=group[,group]`));
  }
  return rules;
}

function frontSettings(values: ProxyValues, context: CliContext): FrontProxySettings {
  const listen = parseListen(context, values.strings.listen ?? "127.0.0.1:4180");
  const publicUrl = values.strings["public-url"] ?? "https://app.example.com";
  const upstream = values.strings.upstream ?? "http://app:8080";
  const prefix = values.strings.prefix ?? "/_wl";
  return {
    gateway: `${listen.host === "0.0.0.0" ? "127.0.0.1" : listen.host}:${listen.port}`,
    upstream: new URL(upstream).host,
    prefix,
    host: new URL(publicUrl).hostname,
    sessionCookie: new CookiePolicy(`${publicUrl}${prefix}/callback`).names.session,
  };
}

/**
 * `proxy --check`: the settings parsed (or the command would have stopped already), then what only the
 * network can tell: the store answers, the upstream answers. One line each; false when one fails.
 */
async function check(
  context: CliContext,
  setup: {
    store: Store;
    storeUrl: string;
    upstream: string | undefined;
    publicOrigin: string;
    prefix: string;
    roster: boolean;
  },
): Promise<boolean> {
  const { proxy } = context.messages;
  context.stdout(proxy.checkOk(proxy.checkSettings));
  // The callback is derived from --public-url, so it is on the protected host by construction (spec §5.6).
  context.stdout(proxy.checkOk(proxy.checkCallback(`${setup.publicOrigin}${setup.prefix}/callback`)));
  if (!setup.roster) context.stdout(proxy.checkWarn(proxy.noRoster));
  let ok = true;
  const storeProblemFound = await storeProblem(setup.store, 3000);
  if (storeProblemFound === undefined)
    context.stdout(proxy.checkOk(proxy.checkStore(describeStore(setup.storeUrl))));
  else {
    ok = false;
    context.stdout(proxy.checkFailed(proxy.checkStore(describeStore(setup.storeUrl)), storeProblemFound));
  }
  if (setup.upstream !== undefined) {
    try {
      const answer = await request(setup.upstream, {
        method: "GET",
        headersTimeout: 3000,
        bodyTimeout: 3000,
      });
      await answer.body.dump();
      context.stdout(proxy.checkOk(proxy.checkUpstream(setup.upstream, answer.statusCode)));
    } catch (error) {
      ok = false;
      const code = error instanceof Error && "code" in error ? String(error.code) : "error";
      context.stdout(proxy.checkFailed(proxy.checkUpstream(setup.upstream), code));
    }
  }
  return ok;
}

/** `wechat-login proxy`: the login gateway (gateway spec §8.1), until Ctrl-C or SIGTERM. */
export const proxyCommand: CliCommand = {
  name: "proxy",
  async run(context) {
    const { messages } = context;
    const values = readProxySettings(context.argv, context.env, messages);
    if (values.action === "help") {
      context.stdout(messages.proxy.help);
      return 0;
    }
    if (values.action !== "run" && values.action !== "check") {
      const print = {
        "print-nginx": nginxConfig,
        "print-traefik": traefikConfig,
        "print-caddy": caddyConfig,
      };
      context.stdout(print[values.action](frontSettings(values, context)));
      return 0;
    }
    const level = context.env.LOG_LEVEL?.trim() || "info";
    if (!isLogLevel(level)) throw new UsageError(messages.badLogLevel(level, LOG_LEVELS.join(", ")));
    const listen = parseListen(context, values.strings.listen ?? "127.0.0.1:4180");
    const prefix = values.strings.prefix ?? "/_wl";
    let roster: GatewaySettings["roster"];
    const allowFile = values.strings["allow-file"];
    if (allowFile !== undefined) {
      let text: string;
      try {
        text = readFileSync(allowFile, "utf8");
      } catch (error) {
        const code = error instanceof Error && "code" in error ? String(error.code) : "error";
        throw new UsageError(messages.proxy.invalid("--allow-file", `cannot read ${allowFile} (${code})`));
      }
      try {
        roster = parseRoster(text);
      } catch (error) {
        if (error instanceof ConfigError)
          throw new UsageError(messages.proxy.invalid("--allow-file", error.problem));
        throw error;
      }
    }
    let publicRoutes: GatewaySettings["publicRoutes"];
    try {
      publicRoutes = (values.lists.public ?? []).map(parsePublicRoute);
    } catch (error) {
      if (error instanceof ConfigError)
        throw new UsageError(messages.proxy.invalid("--public", error.problem));
      throw error;
    }
    const routeGroups = parseGroups(context, values.lists.group ?? []);
    const upstream = values.strings.upstream;
    if (upstream !== undefined && !/^https?:\/\/[^/]+\/?$/.test(upstream))
      throw new UsageError(messages.proxy.invalid("--upstream", "must be http(s)://host:port"));

    let emulator: RunningEmulator | undefined;
    let apps: Pick<GatewaySettings, "appid" | "secret" | "officialAccount" | "openBase" | "apiBase">;
    let publicOrigin: string;
    let sessionSecret: string;
    if (values.booleans.emulator) {
      emulator = await startEmulator({
        port: parsePort(messages, "--emulator-port", values.strings["emulator-port"] ?? "3001"),
        host: "127.0.0.1",
      });
      const website = emulator.apps.find((app) => app.kind === "website" && app.openAccount);
      const oa = emulator.apps.find(
        (app) => app.kind === "official-account" && app.openAccount === website?.openAccount,
      );
      const named = [values.strings.appid, values.strings["oa-appid"]].find(
        (appid) => appid !== undefined && !emulator?.apps.some((app) => app.appid === appid),
      );
      if (named !== undefined || !website) {
        await emulator.close();
        throw new UsageError(messages.proxy.realAppidWithEmulator(named ?? "?"));
      }
      apps = {
        appid: website.appid,
        secret: website.secret,
        officialAccount: oa && { appid: oa.appid, secret: oa.secret },
        openBase: emulator.url,
        apiBase: emulator.url,
      };
      const shown = listen.host === "0.0.0.0" ? "127.0.0.1" : listen.host;
      publicOrigin = values.strings["public-url"]
        ? parseOrigin(context, values.strings["public-url"])
        : `http://${shown}:${listen.port}`;
      sessionSecret = values.strings["session-secret"] ?? "emulator-only-session-secret-0123456789";
    } else {
      const oaAppid = values.strings["oa-appid"];
      apps = {
        appid: required(context, values, "appid"),
        secret: required(context, values, "secret"),
        officialAccount:
          oaAppid === undefined
            ? undefined
            : { appid: oaAppid, secret: required(context, values, "oa-secret") },
      };
      publicOrigin = parseOrigin(context, required(context, values, "public-url"));
      sessionSecret = required(context, values, "session-secret");
    }

    const storeUrl = values.strings.store ?? "sqlite:./data/wechat-login.db";
    let store: Store;
    try {
      store = await openStore(storeUrl);
    } catch (error) {
      await emulator?.close();
      if (error instanceof StoreOpenFailed) {
        if (error.missingDriver)
          context.stderr(messages.storeDriverMissing(error.missingDriver.name, error.missingDriver.install));
        else context.stderr(messages.storeFailed(error.location, error.reason));
        return 2;
      }
      throw error;
    }
    if (values.action === "check") {
      const ok = await check(context, {
        store,
        storeUrl,
        upstream,
        publicOrigin,
        prefix,
        roster: roster !== undefined,
      });
      await store.close();
      await emulator?.close();
      return ok ? 0 : 1;
    }
    const metricsListen = values.strings["metrics-listen"];
    const metricsAt =
      metricsListen === undefined ? undefined : parseListen(context, metricsListen, "--metrics-listen");
    const metrics = metricsAt ? new GatewayMetrics() : undefined;
    const logger = await createLogger("wechat-login", { level, pretty: process.stdout.isTTY === true });
    let running: Awaited<ReturnType<typeof startGateway>>;
    try {
      running = await startGateway({
        ...apps,
        publicOrigin,
        sessionSecret,
        store,
        prefix,
        host: listen.host,
        port: listen.port,
        upstream,
        roster,
        requireUnionid: values.booleans["require-unionid"] ?? false,
        publicRoutes,
        routeGroups,
        trustProxy: values.lists["trusted-proxy"] ?? [],
        logger: logger.child({ component: "gateway" }),
        accessLog: true,
        metrics,
      });
    } catch (error) {
      await store.close();
      await emulator?.close();
      if (error instanceof ConfigError) {
        context.stderr(messages.badSetting(error.field, error.problem));
        return 2;
      }
      const code = error instanceof Error && "code" in error ? String(error.code) : undefined;
      if (code !== undefined) {
        context.stderr(messages.listenFailed(`${listen.host}:${listen.port}`, code));
        return 1;
      }
      throw error;
    }
    let metricsServer: Awaited<ReturnType<GatewayMetrics["listen"]>> | undefined;
    if (metrics && metricsAt) {
      try {
        metricsServer = await metrics.listen(metricsAt.host, metricsAt.port);
      } catch (error) {
        await running.close();
        await store.close();
        await emulator?.close();
        const code = error instanceof Error && "code" in error ? String(error.code) : "error";
        context.stderr(messages.listenFailed(`${metricsAt.host}:${metricsAt.port}`, code));
        return 1;
      }
    }
    if (emulator) context.stdout(messages.proxy.emulatorRunning(emulator.url));
    if (metricsServer) context.stdout(messages.proxy.metrics(`${metricsServer.url}/metrics`));
    context.stdout(
      upstream
        ? messages.proxy.proxying(running.url, upstream)
        : messages.proxy.authOnly(running.url, prefix),
    );
    context.stdout(messages.proxy.publicUrl(publicOrigin, prefix));
    context.stdout(messages.proxy.storeLine(describeStore(storeUrl)));
    if (!roster) context.stdout(messages.proxy.noRoster);
    context.stdout(messages.proxy.stop);
    await context.stopSignal;
    // A graceful stop: no new connections, open requests finish, then the store closes.
    await running.close();
    await new Promise((resolve) =>
      metricsServer ? metricsServer.server.close(resolve) : resolve(undefined),
    );
    await store.close();
    await emulator?.close();
    return 0;
  },
};
