/** The messages of `wechat-login proxy`, beside the other commands' in messages.ts (which holds them as `proxy`). */
export const enProxy = {
  help: [
    "Usage: wechat-login proxy [flags]     (every flag is also WECHAT_LOGIN_<FLAG>, e.g. WECHAT_LOGIN_UPSTREAM)",
    "",
    "  --upstream URL          reverse-proxy mode: the backend to protect (http://app:8080); without it, auth mode only",
    "  --listen HOST:PORT      where the gateway listens (default 127.0.0.1:4180)",
    "  --public-url URL        the protected site's public origin (https://app.example.com); the callback is <url>/_wl/callback",
    "  --appid, --secret       the website app (QR login); secrets also as --secret-file / WECHAT_LOGIN_SECRET_FILE",
    "  --oa-appid, --oa-secret the official account, for logins inside WeChat (optional)",
    "  --session-secret        32+ random characters, the same on every instance (or --session-secret-file)",
    "  --store URL             sqlite:./data/wechat-login.db (default), redis://…, postgres://…",
    "  --allow-file users.yaml the roster: unionid → name, email, groups; unknown users get a 403 with their ID",
    "  --require-unionid       refuse logins that bring no unionid",
    "  --trusted-proxy CIDRs   proxies whose X-Forwarded-* count (default none); needed for /_wl/auth and /_wl/forward-auth",
    "  --public [METHOD:]/path served without login (repeatable), e.g. GET:/healthz",
    "  --group /path=g1,g2     requests under /path need one of the groups (repeatable; proxy mode)",
    "  --prefix /_wl           the gateway's own routes",
    "  --emulator              log in through the local WeChat emulator (refuses real AppIDs)",
    "  --print-nginx, --print-traefik, --print-caddy   print the front proxy's configuration and exit",
    "",
    "Guide: https://github.com/wechat-login/wechat-login/blob/main/docs/gateway.md",
  ].join("\n"),
  missing: (flag: string, variable: string) => `${flag} (${variable}) is required.`,
  invalid: (flag: string, detail: string) => `${flag} is invalid: ${detail}`,
  secretFileUnreadable: (flag: string, path: string, code: string) =>
    `${flag}: cannot read ${path} (${code}).`,
  realAppidWithEmulator: (appid: string) =>
    `--emulator runs against the local WeChat emulator; refusing AppID ${appid}, which is not one of its fake apps. Drop --appid (and its secret) or drop --emulator.`,
  emulatorRunning: (url: string) => `WeChat emulator:  ${url}/ (fake apps and users, for trying it out)`,
  proxying: (url: string, upstream: string) => `Gateway:          ${url}/  →  ${upstream}`,
  authOnly: (url: string, prefix: string) =>
    `Gateway:          ${url}${prefix}/auth (nginx auth_request), ${url}${prefix}/forward-auth (Traefik, Caddy)`,
  publicUrl: (url: string, prefix: string) =>
    `Login:            ${url}${prefix}/login   (callback ${url}${prefix}/callback)`,
  storeLine: (store: string) => `Store:            ${store}`,
  noRoster:
    "No --allow-file: every WeChat user who logs in is let through. Give a users.yaml to allow only the people on it.",
  stop: "Press Ctrl-C to stop.",
};

export const zhProxy: typeof enProxy = {
  help: [
    "用法：wechat-login proxy [参数]     （每个参数也可写成环境变量 WECHAT_LOGIN_<参数>，如 WECHAT_LOGIN_UPSTREAM）",
    "",
    "  --upstream URL          反向代理模式：要保护的后端（http://app:8080）；不设置则只提供鉴权接口",
    "  --listen HOST:PORT      网关监听地址（默认 127.0.0.1:4180）",
    "  --public-url URL        受保护站点的公网地址（https://app.example.com）；回调地址为 <url>/_wl/callback",
    "  --appid, --secret       网站应用（扫码登录）；密钥也可用 --secret-file / WECHAT_LOGIN_SECRET_FILE 从文件读取",
    "  --oa-appid, --oa-secret 公众号，用于在微信内登录（可选）",
    "  --session-secret        至少 32 位随机字符，所有实例相同（或 --session-secret-file）",
    "  --store URL             sqlite:./data/wechat-login.db（默认）、redis://…、postgres://…",
    "  --allow-file users.yaml 用户名单：unionid → 姓名、邮箱、分组；名单外的用户会看到带其 ID 的 403 页面",
    "  --require-unionid       拒绝没有 unionid 的登录",
    "  --trusted-proxy CIDR    信任其 X-Forwarded-* 的代理（默认不信任任何代理）；/_wl/auth 与 /_wl/forward-auth 需要",
    "  --public [方法:]/路径   无需登录即可访问（可重复），如 GET:/healthz",
    "  --group /路径=组1,组2   该路径下的请求需属于其中一个分组（可重复；反向代理模式）",
    "  --prefix /_wl           网关自身路由的前缀",
    "  --emulator              通过本地微信模拟器登录（拒绝真实 AppID）",
    "  --print-nginx, --print-traefik, --print-caddy   输出前端代理的配置后退出",
    "",
    "指南：https://github.com/wechat-login/wechat-login/blob/main/docs/gateway.zh-CN.md",
  ].join("\n"),
  missing: (flag, variable) => `缺少 ${flag}（${variable}）。`,
  invalid: (flag, detail) => `${flag} 无效：${detail}`,
  secretFileUnreadable: (flag, path, code) => `${flag}：无法读取 ${path}（${code}）。`,
  realAppidWithEmulator: (appid) =>
    `--emulator 使用本地微信模拟器；AppID ${appid} 不是模拟器的假应用，已拒绝。请去掉 --appid（及其密钥）或去掉 --emulator。`,
  emulatorRunning: (url) => `微信模拟器：      ${url}/（假应用和假用户，仅供试用）`,
  proxying: (url, upstream) => `网关：            ${url}/  →  ${upstream}`,
  authOnly: (url, prefix) =>
    `网关：            ${url}${prefix}/auth（nginx auth_request）、${url}${prefix}/forward-auth（Traefik、Caddy）`,
  publicUrl: (url, prefix) => `登录：            ${url}${prefix}/login  （回调 ${url}${prefix}/callback）`,
  storeLine: (store) => `存储：            ${store}`,
  noRoster: "未设置 --allow-file：任何用微信登录的用户都会放行。提供 users.yaml 即可只允许名单中的人。",
  stop: "按 Ctrl-C 停止。",
};
