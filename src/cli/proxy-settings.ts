import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { UsageError } from "./command.js";
import { parseFlags } from "./flags.js";
import type { Messages } from "./messages.js";

/**
 * Every setting of `wechat-login proxy`, in one table: the flag `--name`,
 * the variable `WECHAT_LOGIN_NAME`, the key `name` of the `--config` YAML file
 * (`-` written `_`), and for secrets `--name-file` / `WECHAT_LOGIN_NAME_FILE` /
 * `name_file` (a file holding the value, so it is in neither `ps` nor the
 * environment). A flag wins over the variable, the variable over the file, the
 * file over the default. The docs' table (docs/gateway.md) lists these same rows.
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

/** The YAML key of a setting: `public-url` → `public_url` (a secret's file: `session_secret_file`). */
export function yamlKey(name: string): string {
  return name.replaceAll("-", "_");
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
 * Reads the flags, then the environment, then the `--config` file, then the defaults.
 * @throws {UsageError} for an unknown flag, a config file that is not a map of known keys to values of their
 * kind, or a `*_FILE` that cannot be read.
 */
export function readProxySettings(argv: string[], env: NodeJS.ProcessEnv, messages: Messages): ProxyValues {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {
    help: { type: "boolean", short: "h" },
    "print-nginx": { type: "boolean" },
    "print-traefik": { type: "boolean" },
    "print-caddy": { type: "boolean" },
    check: { type: "boolean" },
    config: { type: "string" },
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
  const configPath =
    (typeof flags.config === "string" ? flags.config : undefined) ??
    (env[envName("config")]?.trim() || undefined);
  const file = configPath === undefined ? new Map<string, FileValue>() : readConfigFile(configPath, messages);
  for (const [name, spec] of Object.entries(PROXY_SETTINGS) as [ProxySettingName, SettingSpec][]) {
    const fromEnv = env[envName(name)]?.trim() || undefined;
    const flag = flags[name];
    const inFile = file.get(name);
    if (spec.kind === "boolean") {
      values.booleans[name] =
        flag === true || (fromEnv !== undefined ? /^(1|true|yes|on)$/i.test(fromEnv) : inFile === true);
    } else if (spec.kind === "list") {
      const items =
        Array.isArray(flag) && flag.length > 0
          ? flag
          : fromEnv
            ? [fromEnv]
            : typeof inFile === "string"
              ? [inFile]
              : Array.isArray(inFile)
                ? inFile
                : [];
      values.lists[name] = items
        .flatMap((item) => item.split(","))
        .map((item) => item.trim())
        .filter(Boolean);
    } else {
      // Each source gives the value or, for a secret, the file holding it; the first source that has one wins.
      const sources: { value: unknown; path: unknown; label: string }[] = [
        { value: flag, path: flags[`${name}-file`], label: `--${name}-file` },
        {
          value: fromEnv,
          path: env[`${envName(name)}_FILE`]?.trim() || undefined,
          label: `${envName(name)}_FILE`,
        },
        { value: inFile, path: file.get(`${name}-file`), label: `${yamlKey(name)}_file` },
      ];
      let value: string | undefined;
      for (const source of sources) {
        if (typeof source.value === "string") value = source.value;
        else if (spec.secret && typeof source.path === "string")
          value = readSecretFile(source.path, source.label, messages);
        if (value !== undefined) break;
      }
      value ??= spec.default;
      if (value !== undefined) values.strings[name] = value;
    }
  }
  return values;
}

function readSecretFile(path: string, label: string, messages: Messages): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "error";
    throw new UsageError(messages.proxy.secretFileUnreadable(label, path, code));
  }
}

type FileValue = string | boolean | string[];

/**
 * The `--config` file: a YAML map whose keys are the table's (and `*_file` for secrets), read into the table's
 * names (`public_url` → `public-url`, `secret_file` → `secret-file`). Errors name the file and the key, never a value
 * (a value may be a secret).
 */
function readConfigFile(path: string, messages: Messages): Map<string, FileValue> {
  const { proxy } = messages;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "error";
    throw new UsageError(proxy.configUnreadable(path, code));
  }
  const document = parseDocument(text, { prettyErrors: false });
  const [problem] = document.errors;
  // The parser's own message quotes the offending line, which may hold a secret: only its position and code.
  if (problem) throw new UsageError(proxy.configNotYaml(path, problem.linePos?.[0].line ?? 0, problem.code));
  const data: unknown = document.toJS();
  if (data === null || data === undefined) return new Map();
  if (typeof data !== "object" || Array.isArray(data)) throw new UsageError(proxy.configNotMap(path));
  const keys = new Map<string, { name: string; kind: SettingSpec["kind"] }>();
  for (const [name, spec] of Object.entries(PROXY_SETTINGS) as [string, SettingSpec][]) {
    keys.set(yamlKey(name), { name, kind: spec.kind });
    if (spec.secret) keys.set(`${yamlKey(name)}_file`, { name: `${name}-file`, kind: "string" });
  }
  const read = new Map<string, FileValue>();
  for (const [key, raw] of Object.entries(data)) {
    const setting = keys.get(key);
    if (!setting) throw new UsageError(proxy.configUnknownKey(path, key, [...keys.keys()].join(", ")));
    const value =
      setting.kind === "boolean"
        ? typeof raw === "boolean"
          ? raw
          : undefined
        : typeof raw === "string"
          ? raw
          : typeof raw === "number" && Number.isFinite(raw) && setting.kind === "string"
            ? String(raw)
            : setting.kind === "list" && Array.isArray(raw) && raw.every((item) => typeof item === "string")
              ? (raw as string[])
              : undefined;
    if (value === undefined) throw new UsageError(proxy.configBadValue(path, key, setting.kind));
    read.set(setting.name, value);
  }
  return read;
}
