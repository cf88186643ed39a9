import { readFileSync } from "node:fs";
import { UsageError } from "./command.js";
import { parseFlags } from "./flags.js";
import type { Messages } from "./messages.js";

/**
 * Every setting of `wechat-login proxy`, in one table: the flag `--name`,
 * the variable `WECHAT_LOGIN_NAME`, and for secrets `--name-file` /
 * `WECHAT_LOGIN_NAME_FILE` (a file holding the value, so it is in neither
 * `ps` nor the environment). A flag wins over the variable, the variable over
 * the default. The docs' table (docs/gateway.md) lists these same rows.
 */
export const PROXY_SETTINGS = {
  listen: { kind: "string", default: "127.0.0.1:4180" },
  upstream: { kind: "string" },
  "public-url": { kind: "string" },
  prefix: { kind: "string", default: "/_wl" },
  appid: { kind: "string" },
  secret: { kind: "string", secret: true },
  "oa-appid": { kind: "string" },
  "oa-secret": { kind: "string", secret: true },
  "session-secret": { kind: "string", secret: true },
  store: { kind: "string", default: "sqlite:./data/wechat-login.db" },
  "allow-file": { kind: "string" },
  "require-unionid": { kind: "boolean" },
  "trusted-proxy": { kind: "list" },
  public: { kind: "list" },
  group: { kind: "list" },
  "metrics-listen": { kind: "string" },
  emulator: { kind: "boolean" },
  "emulator-port": { kind: "string", default: "3001" },
} as const satisfies Record<string, SettingSpec>;

interface SettingSpec {
  kind: "string" | "boolean" | "list";
  default?: string;
  secret?: boolean;
}

export type ProxySettingName = keyof typeof PROXY_SETTINGS;

/** The variable of a setting: `public-url` → `WECHAT_LOGIN_PUBLIC_URL`. */
export function envName(name: string): string {
  return `WECHAT_LOGIN_${name.toUpperCase().replaceAll("-", "_")}`;
}

/** What the command does besides running: check its setup, print a front proxy's configuration, or show help. */
export type ProxyAction = "run" | "check" | "help" | "print-nginx" | "print-traefik" | "print-caddy";

export interface ProxyValues {
  action: ProxyAction;
  strings: Partial<Record<ProxySettingName, string>>;
  booleans: Partial<Record<ProxySettingName, boolean>>;
  lists: Partial<Record<ProxySettingName, string[]>>;
}

/**
 * Reads the flags, then the environment, then the defaults.
 * @throws {UsageError} for an unknown flag, or a `*_FILE` that cannot be read.
 */
export function readProxySettings(argv: string[], env: NodeJS.ProcessEnv, messages: Messages): ProxyValues {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {
    help: { type: "boolean", short: "h" },
    "print-nginx": { type: "boolean" },
    "print-traefik": { type: "boolean" },
    "print-caddy": { type: "boolean" },
    check: { type: "boolean" },
  };
  for (const [name, spec] of Object.entries(PROXY_SETTINGS) as [string, SettingSpec][]) {
    options[name] =
      spec.kind === "boolean"
        ? { type: "boolean" }
        : spec.kind === "list"
          ? { type: "string", multiple: true }
          : { type: "string" };
    if (spec.secret) options[`${name}-file`] = { type: "string" };
  }
  const flags = parseFlags(argv, options, messages) as Record<
    string,
    string | boolean | string[] | undefined
  >;
  const values: ProxyValues = { action: "run", strings: {}, booleans: {}, lists: {} };
  for (const action of ["check", "print-nginx", "print-traefik", "print-caddy", "help"] as const) {
    if (flags[action] === true) values.action = action;
  }
  for (const [name, spec] of Object.entries(PROXY_SETTINGS) as [ProxySettingName, SettingSpec][]) {
    const fromEnv = env[envName(name)]?.trim() || undefined;
    const flag = flags[name];
    if (spec.kind === "boolean") {
      values.booleans[name] = flag === true || (fromEnv !== undefined && /^(1|true|yes|on)$/i.test(fromEnv));
    } else if (spec.kind === "list") {
      const items = Array.isArray(flag) && flag.length > 0 ? flag : fromEnv ? [fromEnv] : [];
      values.lists[name] = items
        .flatMap((item) => item.split(","))
        .map((item) => item.trim())
        .filter(Boolean);
    } else {
      let value = (typeof flag === "string" ? flag : undefined) ?? fromEnv;
      if (value === undefined && spec.secret) {
        const file = flags[`${name}-file`];
        const path =
          (typeof file === "string" ? file : undefined) ??
          (env[`${envName(name)}_FILE`]?.trim() || undefined);
        if (path !== undefined) value = readSecretFile(path, name, messages);
      }
      value ??= spec.default;
      if (value !== undefined) values.strings[name] = value;
    }
  }
  return values;
}

function readSecretFile(path: string, name: string, messages: Messages): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "error";
    throw new UsageError(messages.proxy.secretFileUnreadable(`--${name}-file`, path, code));
  }
}
