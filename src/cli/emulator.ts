import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import {
  type EmulatorConfig,
  EmulatorConfigError,
  EmulatorProxyError,
  loadEmulatorConfigFile,
  startEmulator,
} from "../emulator/index.js";
import { PATHS, WECHAT_HOSTS } from "../protocol/hosts.js";
import { type CliCommand, type CliContext, UsageError } from "./command.js";
import { parseFlags, parsePort } from "./flags.js";

interface EmulatorFlags {
  port: number;
  host: string;
  configPath?: string;
  proxyPort?: number;
  caDir?: string;
  strictOrder: boolean;
  help: boolean;
}

function readFlags(context: CliContext): EmulatorFlags {
  const { messages } = context;
  const values = parseFlags(
    context.argv,
    {
      port: { type: "string" },
      host: { type: "string" },
      config: { type: "string" },
      "proxy-port": { type: "string" },
      "ca-dir": { type: "string" },
      "strict-order": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    messages,
  );
  const port = parsePort(messages, "--port", values.port ?? "3001");
  const host = values.host ?? "127.0.0.1";
  if (host.trim() === "") throw new UsageError(messages.badHost());
  const proxyPort =
    values["proxy-port"] === undefined
      ? undefined
      : parsePort(messages, "--proxy-port", values["proxy-port"]);
  return {
    port,
    host,
    configPath: values.config,
    ...(proxyPort === undefined ? {} : { proxyPort }),
    ...(values["ca-dir"] ? { caDir: resolve(values["ca-dir"]) } : {}),
    strictOrder: values["strict-order"] ?? false,
    help: values.help ?? false,
  };
}

async function loadConfig(
  context: CliContext,
  path: string | undefined,
): Promise<EmulatorConfig | undefined> {
  if (path === undefined) return undefined;
  try {
    return await loadEmulatorConfigFile(path);
  } catch (error) {
    if (error instanceof EmulatorConfigError)
      throw new UsageError(context.messages.badConfig(path, error.message));
    throw error;
  }
}

/** The first non-internal IPv4 address: what a phone on the same Wi-Fi can reach. */
function lanAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  return undefined;
}

function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::";
}

/** `wechat-login emulator`: runs the local WeChat until Ctrl-C / SIGTERM. */
export const emulatorCommand: CliCommand = {
  name: "emulator",
  async run(context) {
    const { messages } = context;
    const flags = readFlags(context);
    if (flags.help) {
      context.stdout(messages.emulatorHelp);
      return 0;
    }
    const config = await loadConfig(context, flags.configPath);
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    try {
      emulator = await startEmulator({
        port: flags.port,
        host: flags.host,
        config,
        strictParameterOrder: flags.strictOrder,
        ...(flags.proxyPort === undefined
          ? {}
          : { proxy: { port: flags.proxyPort, ...(flags.caDir ? { caDir: flags.caDir } : {}) } }),
      });
    } catch (error) {
      if (error instanceof EmulatorProxyError) {
        context.stderr(
          error.problem === "missing-node-forge" ? messages.proxyNeedsForge : messages.badCa(error.message),
        );
        return 1;
      }
      const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
      // Either server may be the one that failed: Node's listen error names its port.
      const port = error instanceof Error && "port" in error ? String(error.port) : String(flags.port);
      context.stderr(messages.listenFailed(`${flags.host}:${port}`, reason));
      return 1;
    }
    if (isWildcard(flags.host)) {
      const lan = lanAddress();
      const lanUrl = lan ? emulator.url.replace(/^http:\/\/(\[[^\]]+\]|[^:/]+)/, `http://${lan}`) : "";
      // A phone cannot open 127.0.0.1: with a wildcard bind, the QR points at the LAN address.
      if (lanUrl) emulator.state.phoneBaseUrl = lanUrl;
      context.stderr(messages.lanWarning(lanUrl));
    }
    const app = emulator.apps.find((candidate) => candidate.kind === "website") ?? emulator.apps[0];
    context.stdout(messages.running(emulator.url));
    const hostname = new URL(emulator.url).hostname;
    // Only offer the try-it URL when its redirect (the emulator's own /callback page) passes the domain check.
    if (app?.kind === "website" && app.domains.some((domain) => domain.split(":")[0] === hostname)) {
      const redirect = encodeURIComponent(`${emulator.url}/_emulator/callback`);
      context.stdout(
        messages.tryQr(
          `${emulator.url}${PATHS.qrConnect}?appid=${app.appid}&redirect_uri=${redirect}&response_type=code&scope=snsapi_login&state=demo`,
        ),
      );
    }
    // Every configured app, so a developer can copy any of them (the Official Account's server config too).
    for (const entry of emulator.apps) {
      context.stdout(messages.defaultApp(entry.name, entry.appid, entry.secret));
      if (entry.kind === "official-account") {
        const mp = emulator.state.officialAccounts.console(entry);
        context.stdout(messages.officialAccountServer(mp.token, mp.encodingAesKey, mp.originalId));
      }
    }
    context.stdout(messages.control(emulator.url));
    if (emulator.proxy) {
      context.stdout(messages.proxyRunning(emulator.proxy.url, WECHAT_HOSTS.join(", ")));
      context.stdout(messages.proxyCa(emulator.proxy.caCertPath));
    }
    context.stdout(messages.stop);
    await context.stopSignal;
    await emulator.close();
    return 0;
  },
};
