/** Absolute, so it works wherever the CLI runs (the package has no repository around it). */
const EMULATOR_DOCS = "https://github.com/wechat-login/wechat-login/blob/main/docs/emulator.md";

/** Languages the CLI speaks: zh-CN when LC_ALL / LANG say so, English otherwise. */
export type CliLang = "en" | "zh";

const en = {
  usage: [
    "Usage: wechat-login <command> [flags]",
    "",
    "Commands:",
    "  start      Run the demo site and the WeChat emulator on SQLite (--port 3000 --emulator-port 3001 --no-emulator)",
    "  emulator   Run the local WeChat emulator (--port 3001 --host 127.0.0.1 --config emulator.json)",
  ].join("\n"),
  badSetting: (field: string, detail: string) => `Invalid setting ${field}: ${detail}`,
  startHelp: [
    "Usage: wechat-login start [--port 3000] [--emulator-port 3001] [--host localhost] [--no-emulator]",
    "",
    "  --port           demo site port (default 3000)",
    "  --emulator-port  WeChat emulator port (default 3001)",
    "  --host           interface the demo binds (default localhost)",
    "  --no-emulator    talk to real WeChat: needs WECHAT_APPID, WECHAT_SECRET, WECHAT_REDIRECT_URI, SESSION_SECRET",
    "",
    "STORE_URL picks the store (default sqlite:./data/wechat-login.db; redis://… and postgres://… work too).",
  ].join("\n"),
  unknownCommand: (name: string) => `Unknown command "${name}".`,
  unknownFlag: (flag: string) => `Unknown flag ${flag}.`,
  badFlag: (detail: string) => `Invalid flags: ${detail}.`,
  badPort: (value: string) => `--port must be an integer from 0 to 65535 (got "${value}").`,
  badHost: () => "--host must not be empty.",
  badConfig: (path: string, detail: string) => `Invalid --config ${path}: ${detail}`,
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
  stop: "Press Ctrl-C to stop.",
  memoryStoreFallback:
    "               better-sqlite3 is not installed, so logins are kept in memory until this process stops:\n" +
    "               run `npm install better-sqlite3@12` for SQLite, or set STORE_URL.",
  emulatorHelp: [
    "Usage: wechat-login emulator [--port 3001] [--host 127.0.0.1] [--config emulator.json]",
    "",
    "  --port    TCP port, 0 for a free one (default 3001)",
    "  --host    interface to bind (default 127.0.0.1; 0.0.0.0 lets a phone on the LAN scan)",
    `  --config  JSON file with apps and users (see ${EMULATOR_DOCS})`,
  ].join("\n"),
};

const zh: typeof en = {
  usage: [
    "用法：wechat-login <命令> [参数]",
    "",
    "命令：",
    "  start      运行演示站点和微信模拟器，使用 SQLite（--port 3000 --emulator-port 3001 --no-emulator）",
    "  emulator   运行本地微信模拟器（--port 3001 --host 127.0.0.1 --config emulator.json）",
  ].join("\n"),
  badSetting: (field, detail) => `配置项 ${field} 无效：${detail}`,
  startHelp: [
    "用法：wechat-login start [--port 3000] [--emulator-port 3001] [--host localhost] [--no-emulator]",
    "",
    "  --port           演示站点端口（默认 3000）",
    "  --emulator-port  微信模拟器端口（默认 3001）",
    "  --host           演示站点绑定的地址（默认 localhost）",
    "  --no-emulator    连接真实微信：需要 WECHAT_APPID、WECHAT_SECRET、WECHAT_REDIRECT_URI、SESSION_SECRET",
    "",
    "STORE_URL 指定存储（默认 sqlite:./data/wechat-login.db；也支持 redis://… 和 postgres://…）。",
  ].join("\n"),
  unknownCommand: (name) => `未知命令 "${name}"。`,
  unknownFlag: (flag) => `未知参数 ${flag}。`,
  badFlag: (detail) => `参数错误：${detail}。`,
  badPort: (value) => `--port 必须是 0 到 65535 之间的整数（收到 "${value}"）。`,
  badHost: () => "--host 不能为空。",
  badConfig: (path, detail) => `--config ${path} 无效：${detail}`,
  listenFailed: (address, reason) => `无法监听 ${address}（${reason}）。`,
  running: (url) => `微信模拟器已启动：${url}`,
  tryQr: (url) => `试试扫码登录：     ${url}`,
  defaultApp: (name, appid, secret) =>
    `应用 "${name}"：appid ${appid}  secret ${secret}（仅供本地测试的假凭据）`,
  officialAccountServer: (token, encodingAesKey, originalId) =>
    `  公众号服务器配置：Token ${token}  EncodingAESKey ${encodingAesKey}  原始 ID ${originalId}（假凭据）`,
  control: (url) => `控制接口：         ${url}/_emulator/state（见 ${EMULATOR_DOCS}）`,
  lanWarning: (url) =>
    `警告：已绑定所有网卡，局域网内${url ? `（${url}）` : ""}均可访问模拟器。其中的应用和用户都是假的，请勿暴露到局域网之外。`,
  stop: "按 Ctrl-C 停止。",
  memoryStoreFallback:
    "              未安装 better-sqlite3，登录状态只保存在内存中，进程退出即丢失；\n" +
    "              运行 `npm install better-sqlite3@12` 即可使用 SQLite，或设置 STORE_URL。",
  emulatorHelp: [
    "用法：wechat-login emulator [--port 3001] [--host 127.0.0.1] [--config emulator.json]",
    "",
    "  --port    TCP 端口，0 表示随机空闲端口（默认 3001）",
    "  --host    绑定的网卡地址（默认 127.0.0.1；0.0.0.0 允许局域网内的手机扫码）",
    `  --config  应用和用户的 JSON 配置文件（见 ${EMULATOR_DOCS}）`,
  ].join("\n"),
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
