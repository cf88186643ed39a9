import type { EnvProblem, EnvVariable } from "./env-config.js";
import { enProxy, zhProxy } from "./proxy-messages.js";

/** Absolute, so it works wherever the CLI runs (the package has no repository around it). */
const EMULATOR_DOCS = "https://github.com/wechat-login/wechat-login/blob/main/docs/emulator.md";
const EMULATOR_DOCS_ZH = "https://github.com/wechat-login/wechat-login/blob/main/docs/emulator.zh-CN.md";
const DROP_IN_DOCS = "https://github.com/wechat-login/wechat-login/blob/main/docs/emulator-drop-in.md";
const DROP_IN_DOCS_ZH =
  "https://github.com/wechat-login/wechat-login/blob/main/docs/emulator-drop-in.zh-CN.md";

/** Languages the CLI speaks: zh-CN when LC_ALL / LANG say so, English otherwise. */
export type CliLang = "en" | "zh";

/** What each variable holds, and a value to copy: the line that says it is missing or wrong ends with it. */
const ENV_EXAMPLES: Record<EnvVariable, string> = {
  WECHAT_APPID: "WECHAT_APPID=wx0123456789abcdef",
  WECHAT_SECRET: "WECHAT_SECRET=0123456789abcdef0123456789abcdef",
  WECHAT_REDIRECT_URI: "WECHAT_REDIRECT_URI=https://example.com/auth/callback",
  SESSION_SECRET: "SESSION_SECRET=$(openssl rand -hex 32)",
  WECHAT_OPEN_BASE: "WECHAT_OPEN_BASE=http://127.0.0.1:3001",
  WECHAT_API_BASE: "WECHAT_API_BASE=http://127.0.0.1:3001",
};

const enEnv: Record<EnvVariable, { what: string; rule: string }> = {
  WECHAT_APPID: {
    what: "the website app's AppID from the WeChat Open Platform",
    rule: "a WeChat AppID is wx followed by 16 hex characters",
  },
  WECHAT_SECRET: {
    what: "the website app's AppSecret",
    rule: "too short for an AppSecret (32 characters)",
  },
  WECHAT_REDIRECT_URI: {
    what: "this site's callback URL, on the app's authorized callback domain",
    rule: "must be an http(s) URL without a #fragment",
  },
  SESSION_SECRET: {
    what: "at least 32 random characters, the same on every instance",
    rule: "must be at least 32 characters",
  },
  WECHAT_OPEN_BASE: { what: "WeChat's OPEN host", rule: "must be an http(s) URL" },
  WECHAT_API_BASE: { what: "WeChat's API host", rule: "must be an http(s) URL" },
};

const zhEnv: typeof enEnv = {
  WECHAT_APPID: {
    what: "微信开放平台网站应用的 AppID",
    rule: "AppID 应为 wx 加 16 位十六进制字符",
  },
  WECHAT_SECRET: { what: "网站应用的 AppSecret", rule: "长度不足，AppSecret 为 32 位" },
  WECHAT_REDIRECT_URI: {
    what: "本站的回调地址，须在应用的授权回调域下",
    rule: "须为 http(s) 地址，且不含 #片段",
  },
  SESSION_SECRET: { what: "至少 32 位随机字符，所有实例使用同一个值", rule: "至少需要 32 位" },
  WECHAT_OPEN_BASE: { what: "微信 OPEN 域名", rule: "须为 http(s) 地址" },
  WECHAT_API_BASE: { what: "微信 API 域名", rule: "须为 http(s) 地址" },
};

const en = {
  usage: [
    "Usage: wechat-login <command> [flags]",
    "",
    "Commands:",
    "  start      Run the demo site and the WeChat emulator on SQLite (--port 3000 --emulator-port 3001 --no-emulator)",
    "  emulator   Run the local WeChat emulator (--port 3001 --host 127.0.0.1 --config emulator.json)",
    "  proxy      WeChat login in front of any backend: reverse proxy, nginx auth_request, Traefik/Caddy forward-auth",
    "",
    "  --version  Print the version",
  ].join("\n"),
  startHelp: [
    "Usage: wechat-login start [--port 3000] [--emulator-port 3001] [--host localhost] [--no-emulator]",
    "",
    "  --port           demo site port (default 3000)",
    "  --emulator-port  WeChat emulator port (default 3001)",
    "  --host           interface the demo binds (default localhost)",
    "  --no-emulator    talk to real WeChat: needs WECHAT_APPID, WECHAT_SECRET, WECHAT_REDIRECT_URI, SESSION_SECRET",
    "",
    "STORE_URL picks the store (default sqlite:./data/wechat-login.db; redis://… and postgres://… work too).",
    "LOG_LEVEL sets the log level (default info; debug adds the request headers, never a secret).",
  ].join("\n"),
  unknownCommand: (name: string) => `Unknown command "${name}".`,
  unknownFlag: (flag: string) => `Unknown flag ${flag}.`,
  unexpectedArgument: (argument: string) =>
    `Unexpected argument "${argument}": this command takes flags only.`,
  flagNeedsValue: (flag: string) => `${flag} needs a value: ${flag} <value>.`,
  flagTakesNoValue: (flag: string) => `${flag} takes no value.`,
  badFlag: (detail: string) => `Invalid flags: ${detail}.`,
  badPort: (flag: string, value: string) => `${flag} must be an integer from 0 to 65535 (got "${value}").`,
  badHost: () => "--host must not be empty.",
  badConfig: (path: string, detail: string) => `Invalid --config ${path}: ${detail}`,
  badLogLevel: (value: string, levels: string) => `LOG_LEVEL must be one of ${levels} (got "${value}").`,
  envProblem: ({ variable, problem }: EnvProblem) =>
    `${variable} ${problem === "missing" ? `is not set: ${enEnv[variable].what}` : `is invalid: ${enEnv[variable].rule}`}, e.g. ${ENV_EXAMPLES[variable]}`,
  badSetting: (field: string, detail: string) => `Invalid setting ${field}: ${detail}`,
  storeFailed: (location: string, reason: string) =>
    `STORE_URL: cannot open the store at ${location} (${reason}).`,
  storeMalformed: (shown: string) =>
    `STORE_URL is invalid (${shown}): use memory:, sqlite:<file>, redis://host:6379/0 or postgres://user@host/db.`,
  storeDriverMissing: (driver: string, install: string) =>
    `STORE_URL needs the "${driver}" package: run npm install ${install}.`,
  portInUse: (port: number, flag: string) =>
    `Port ${port} is already in use (${flag}): stop the other server or pass another port, e.g. ${flag} ${port + 10}.`,
  portRefused: (host: string, port: number, flag: string, reason: string) =>
    `Cannot listen on ${host}:${port} (${reason}); pick another port with ${flag}.`,
  listenFailed: (address: string, reason: string) => `Cannot listen on ${address} (${reason}).`,
  running: (url: string) => `WeChat emulator running at ${url}`,
  tryQr: (url: string) => `Try the QR login:   ${url}`,
  defaultApp: (name: string, appid: string, secret: string) =>
    `App "${name}":  appid ${appid}  secret ${secret}  (fake, for local use)`,
  officialAccountServer: (token: string, encodingAesKey: string, originalId: string) =>
    `  Official Account server config:  Token ${token}  EncodingAESKey ${encodingAesKey}  original id ${originalId}  (fake)`,
  control: (url: string) => `Control API:        ${url}/_emulator/state  (${EMULATOR_DOCS})`,
  lanWarning: (url: string) =>
    `Warning: bound to all interfaces, the emulator is reachable from your LAN${url ? ` at ${url}` : ""}. Its apps and users are fake; do not expose it beyond your network.`,
  proxyRunning: (url: string, hosts: string) =>
    `WeChat's hosts proxy: ${url}  (HTTPS_PROXY; serves ${hosts} only, refuses every other host)`,
  proxyCa: (path: string) =>
    `Local CA to trust:  ${path}  (e.g. NODE_EXTRA_CA_CERTS=${path}; see ${DROP_IN_DOCS})`,
  proxyNeedsForge:
    'The proxy (--proxy-port) issues its certificates with the "node-forge" package: run npm install node-forge.',
  badCa: (detail: string) => `Cannot use the emulator's local CA (--ca-dir): ${detail}`,
  stop: "Press Ctrl-C to stop.",
  memoryStoreFallback:
    "               better-sqlite3 is not installed, so logins are kept in memory until this process stops:\n" +
    "               run `npm install better-sqlite3@12` for SQLite, or set STORE_URL.",
  emulatorHelp: [
    "Usage: wechat-login emulator [--port 3001] [--host 127.0.0.1] [--config emulator.json] [--proxy-port 3128]",
    "",
    "  --port          TCP port, 0 for a free one (default 3001)",
    "  --host          interface to bind (default 127.0.0.1; 0.0.0.0 lets a phone on the LAN scan)",
    `  --config        JSON file with apps and users (see ${EMULATOR_DOCS})`,
    "  --proxy-port    also serve an HTTPS proxy for WeChat's own hosts, so any SDK runs unchanged",
    `                  with HTTPS_PROXY and the local CA trusted (see ${DROP_IN_DOCS})`,
    "  --ca-dir        where the proxy's local CA is kept (default ~/.wechat-login/emulator-ca)",
    "  --strict-order  refuse authorize URLs whose parameters are not in WeChat's documented order",
  ].join("\n"),
  proxy: enProxy,
};

const zh: typeof en = {
  usage: [
    "用法：wechat-login <命令> [参数]",
    "",
    "命令：",
    "  start      运行演示站点和微信模拟器，使用 SQLite（--port 3000 --emulator-port 3001 --no-emulator）",
    "  emulator   运行本地微信模拟器（--port 3001 --host 127.0.0.1 --config emulator.json）",
    "  proxy      在任意后端前加上微信登录：反向代理、nginx auth_request、Traefik/Caddy forward-auth",
    "",
    "  --version  显示版本号",
  ].join("\n"),
  startHelp: [
    "用法：wechat-login start [--port 3000] [--emulator-port 3001] [--host localhost] [--no-emulator]",
    "",
    "  --port           演示站点端口（默认 3000）",
    "  --emulator-port  微信模拟器端口（默认 3001）",
    "  --host           演示站点绑定的地址（默认 localhost）",
    "  --no-emulator    连接真实微信：需要 WECHAT_APPID、WECHAT_SECRET、WECHAT_REDIRECT_URI、SESSION_SECRET",
    "",
    "STORE_URL 指定存储（默认 sqlite:./data/wechat-login.db；也支持 redis://… 和 postgres://…）。",
    "LOG_LEVEL 设置日志级别（默认 info；debug 会额外记录请求头，但不会记录任何密钥）。",
  ].join("\n"),
  unknownCommand: (name) => `未知命令 "${name}"。`,
  unknownFlag: (flag) => `未知参数 ${flag}。`,
  unexpectedArgument: (argument) => `多余的参数 "${argument}"：此命令只接受 -- 开头的参数。`,
  flagNeedsValue: (flag) => `${flag} 需要一个值：${flag} <值>。`,
  flagTakesNoValue: (flag) => `${flag} 不接受值。`,
  badFlag: (detail) => `参数错误：${detail}。`,
  badPort: (flag, value) => `${flag} 必须是 0 到 65535 之间的整数（收到 "${value}"）。`,
  badHost: () => "--host 不能为空。",
  badConfig: (path, detail) => `--config ${path} 无效：${detail}`,
  badLogLevel: (value, levels) => `LOG_LEVEL 必须是 ${levels} 之一（收到 "${value}"）。`,
  envProblem: ({ variable, problem }) =>
    `${problem === "missing" ? `未设置 ${variable}：${zhEnv[variable].what}` : `${variable} 无效：${zhEnv[variable].rule}`}，例如 ${ENV_EXAMPLES[variable]}`,
  badSetting: (field, detail) => `配置项 ${field} 无效：${detail}`,
  storeFailed: (location, reason) => `STORE_URL：无法打开存储 ${location}（${reason}）。`,
  storeMalformed: (shown) =>
    `STORE_URL 无效（${shown}）：请使用 memory:、sqlite:<文件>、redis://host:6379/0 或 postgres://user@host/db。`,
  storeDriverMissing: (driver, install) => `STORE_URL 需要 "${driver}" 包：请运行 npm install ${install}。`,
  portInUse: (port, flag) =>
    `端口 ${port} 已被占用（${flag}）：请停止占用它的程序，或换一个端口，例如 ${flag} ${port + 10}。`,
  portRefused: (host, port, flag, reason) =>
    `无法监听 ${host}:${port}（${reason}），请用 ${flag} 换一个端口。`,
  listenFailed: (address, reason) => `无法监听 ${address}（${reason}）。`,
  running: (url) => `微信模拟器已启动：${url}`,
  tryQr: (url) => `试试扫码登录：     ${url}`,
  defaultApp: (name, appid, secret) =>
    `应用 "${name}"：appid ${appid}  secret ${secret}（仅供本地测试的假凭据）`,
  officialAccountServer: (token, encodingAesKey, originalId) =>
    `  公众号服务器配置：Token ${token}  EncodingAESKey ${encodingAesKey}  原始 ID ${originalId}（假凭据）`,
  control: (url) => `控制接口：         ${url}/_emulator/state（见 ${EMULATOR_DOCS_ZH}）`,
  lanWarning: (url) =>
    `警告：已绑定所有网卡，局域网内${url ? `（${url}）` : ""}均可访问模拟器。其中的应用和用户都是假的，请勿暴露到局域网之外。`,
  proxyRunning: (url, hosts) =>
    `微信域名代理：     ${url}（设为 HTTPS_PROXY；只代理 ${hosts}，拒绝其他任何域名）`,
  proxyCa: (path) => `需要信任的本地 CA：${path}（例如 NODE_EXTRA_CA_CERTS=${path}；见 ${DROP_IN_DOCS_ZH}）`,
  proxyNeedsForge: '代理（--proxy-port）用 "node-forge" 包签发证书：请运行 npm install node-forge。',
  badCa: (detail) => `无法使用模拟器的本地 CA（--ca-dir）：${detail}`,
  stop: "按 Ctrl-C 停止。",
  memoryStoreFallback:
    "              未安装 better-sqlite3，登录状态只保存在内存中，进程退出即丢失；\n" +
    "              运行 `npm install better-sqlite3@12` 即可使用 SQLite，或设置 STORE_URL。",
  emulatorHelp: [
    "用法：wechat-login emulator [--port 3001] [--host 127.0.0.1] [--config emulator.json] [--proxy-port 3128]",
    "",
    "  --port          TCP 端口，0 表示随机空闲端口（默认 3001）",
    "  --host          绑定的网卡地址（默认 127.0.0.1；0.0.0.0 允许局域网内的手机扫码）",
    `  --config        应用和用户的 JSON 配置文件（见 ${EMULATOR_DOCS_ZH}）`,
    "  --proxy-port    同时提供微信域名的 HTTPS 代理：设置 HTTPS_PROXY 并信任本地 CA 后，",
    `                  任何 SDK 无需改动即可使用模拟器（见 ${DROP_IN_DOCS_ZH}）`,
    "  --ca-dir        代理的本地 CA 存放目录（默认 ~/.wechat-login/emulator-ca）",
    "  --strict-order  拒绝参数顺序与微信文档不一致的授权链接",
  ].join("\n"),
  proxy: zhProxy,
};

export type Messages = typeof en;

/** LC_ALL overrides LANG, as in POSIX locale lookup. */
export function cliLang(env: NodeJS.ProcessEnv): CliLang {
  const locale = env.LC_ALL || env.LANG || "";
  return locale.toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function messagesFor(env: NodeJS.ProcessEnv): Messages {
  return messagesIn(cliLang(env));
}

export function messagesIn(lang: CliLang): Messages {
  return lang === "zh" ? zh : en;
}
