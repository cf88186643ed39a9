import { html, raw } from "hono/html";
import { loginResponse } from "./responses.js";

/** Every outcome the flow can show a person instead of redirecting. */
export type PageKind =
  | "invalid_request"
  | "state_invalid"
  | "state_used"
  | "state_other_browser"
  | "cookies_required"
  | "login_cancelled"
  | "code_invalid"
  | "snapshot_user"
  | "login_denied"
  | "wechat_unavailable"
  | "wechat_misconfigured"
  | "wechat_integrity"
  | "unionid_required"
  | "https_required"
  | "store_unavailable"
  // Rate limits (issue #11, rate-limit.ts): 429 with Retry-After.
  | "rate_limited"
  | "not_found"
  | "internal_error";

/** The languages of the login's own pages. */
export type Lang = "zh-CN" | "en";

interface PageText {
  title: string;
  body: string;
}

const texts: Record<PageKind, Record<Lang, PageText>> = {
  invalid_request: {
    "zh-CN": { title: "请求无效", body: "登录回调缺少必要的参数或参数格式不正确。请重新登录。" },
    en: {
      title: "Invalid request",
      body: "The login callback is missing a parameter or has a malformed one. Please log in again.",
    },
  },
  state_invalid: {
    "zh-CN": { title: "登录已失效", body: "这个登录链接无效或已过期。请重新发起微信登录。" },
    en: {
      title: "Login expired",
      body: "This login link is invalid or has expired. Please start the WeChat login again.",
    },
  },
  state_used: {
    "zh-CN": { title: "登录链接已使用", body: "这个登录链接已经被使用过了。请重新发起微信登录。" },
    en: {
      title: "Login link already used",
      body: "This login link has already been used. Please start the WeChat login again.",
    },
  },
  state_other_browser: {
    "zh-CN": {
      title: "无法完成登录",
      body: "这次登录是在另一个浏览器中发起的，或已在另一个标签页重新发起。请在当前页面重新发起微信登录。",
    },
    en: {
      title: "Cannot complete the login",
      body: "This login was started in another browser, or started again in another tab. Please start the WeChat login again here.",
    },
  },
  cookies_required: {
    "zh-CN": {
      title: "需要开启 Cookie",
      body: "浏览器没有保存登录所需的 Cookie，无法确认是你本人发起的登录。请在浏览器设置中允许本站使用 Cookie 后重试；如果在微信中打开，请点击右上角「···」选择「在浏览器打开」，再重新登录。",
    },
    en: {
      title: "Cookies are needed to log in",
      body: "Your browser did not keep the cookie this login needs, so we cannot tell that you started it. Allow cookies for this site and try again; inside WeChat, tap ··· (top right) and choose Open in Browser, then log in again.",
    },
  },
  login_cancelled: {
    "zh-CN": { title: "已取消登录", body: "你在微信中取消了授权，没有登录。可以随时重新登录。" },
    en: {
      title: "Login cancelled",
      body: "You declined the authorization in WeChat, so you are not logged in. You can try again any time.",
    },
  },
  code_invalid: {
    "zh-CN": { title: "授权码无效", body: "微信授权码无效、已过期或已被使用。请重新发起微信登录。" },
    en: {
      title: "Authorization expired",
      body: "WeChat's authorization code is invalid, expired or already used. Please log in again.",
    },
  },
  snapshot_user: {
    "zh-CN": {
      title: "请在完整页面中登录",
      body: "当前为微信快照页模式，无法登录。请点击页面下方的“使用完整服务”后重试。",
    },
    en: {
      title: "Open the full page to log in",
      body: "WeChat opened this page in snapshot mode, where logging in is not possible. Open the full page and try again.",
    },
  },
  login_denied: {
    "zh-CN": { title: "无法登录", body: "该账号不允许登录本站。" },
    en: { title: "Login not allowed", body: "This account is not allowed to log in to this site." },
  },
  wechat_unavailable: {
    "zh-CN": { title: "微信服务暂时不可用", body: "暂时无法连接微信服务器，请稍后重试。" },
    en: {
      title: "WeChat is unavailable",
      body: "We could not reach WeChat's servers. Please try again in a moment.",
    },
  },
  wechat_misconfigured: {
    "zh-CN": {
      title: "登录配置错误",
      body: "网站的微信登录配置有误（AppID 或 AppSecret）。请联系网站管理员。",
    },
    en: {
      title: "Login is misconfigured",
      body: "This site's WeChat login settings (AppID or AppSecret) are wrong. Please contact the site's administrator.",
    },
  },
  wechat_integrity: {
    "zh-CN": {
      title: "登录已中止",
      body: "微信返回的用户身份前后不一致，为安全起见本次登录已中止。请重新登录；如果反复出现，请联系网站管理员。",
    },
    en: {
      title: "Login stopped",
      body: "WeChat's answers named different users, so this login was stopped to keep your account safe. Please log in again; if it keeps happening, contact the site's administrator.",
    },
  },
  unionid_required: {
    "zh-CN": {
      title: "无法登录",
      body: "微信没有返回这个账号的 UnionID，本站要求用 UnionID 识别用户，因此无法登录。请联系网站管理员（公众号或网站应用可能尚未绑定到同一个微信开放平台账号）。",
    },
    en: {
      title: "Cannot log in",
      body: "WeChat did not provide a UnionID for this account, and this site identifies users only by UnionID. Please contact the site's administrator (the app may not be bound to its WeChat Open Platform account yet).",
    },
  },
  https_required: {
    "zh-CN": { title: "请使用 HTTPS", body: "登录只能通过 HTTPS 进行。请使用 https:// 开头的地址访问本站。" },
    en: {
      title: "HTTPS required",
      body: "Logging in only works over HTTPS. Please open this site with an https:// address.",
    },
  },
  store_unavailable: {
    "zh-CN": { title: "服务暂时不可用", body: "登录服务暂时不可用，请稍后重试。" },
    en: {
      title: "Service unavailable",
      body: "The login service is temporarily unavailable. Please try again in a moment.",
    },
  },
  rate_limited: {
    "zh-CN": {
      title: "登录请求过于频繁",
      body: "你所在的网络短时间内发起了太多次登录。请稍等片刻再重新登录。",
    },
    en: {
      title: "Too many login attempts",
      body: "Too many logins were started from your network in a short time. Please wait a moment and log in again.",
    },
  },
  internal_error: {
    "zh-CN": { title: "出错了", body: "登录时发生了意外错误，请稍后重试。" },
    en: {
      title: "Something went wrong",
      body: "An unexpected error happened while logging in. Please try again.",
    },
  },
  not_found: {
    "zh-CN": { title: "页面不存在", body: "没有这个登录地址。" },
    en: { title: "Not found", body: "There is no such login address." },
  },
};

/**
 * Picks zh-CN for browsers that prefer Chinese, English otherwise: the
 * language the login's own pages use, for an app's pages to match them.
 * @example
 * pickLang(new Request("https://example.com/", { headers: { "accept-language": "zh-CN,zh;q=0.9" } })); // "zh-CN"
 */
export function pickLang(request: Request): Lang {
  const accept = request.headers.get("accept-language") ?? "";
  const first = accept.split(",")[0]?.trim().toLowerCase() ?? "";
  return first.startsWith("zh") ? "zh-CN" : "en";
}

export interface PageOptions {
  kind: PageKind;
  status: number;
  lang: Lang;
  /** Where the "try again" link goes. */
  retryHref: string;
  /** WeChat's request id, shown so the user can quote it to support. */
  reference?: string | undefined;
}

/** A small self-contained HTML page in the user's language, the other language beneath. */
export function renderPage(options: PageOptions): Response {
  const primary = texts[options.kind][options.lang];
  const secondary = texts[options.kind][options.lang === "zh-CN" ? "en" : "zh-CN"];
  const retry = options.lang === "zh-CN" ? "重新登录" : "Log in again";
  const home = options.lang === "zh-CN" ? "返回首页" : "Back to home";
  const body = html`<!doctype html>
<html lang="${options.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${primary.title}</title>
<style>${raw(STYLE)}</style></head>
<body><main data-outcome="${options.kind}">
<h1>${primary.title}</h1><p>${primary.body}</p>
<p class="secondary" lang="${options.lang === "zh-CN" ? "en" : "zh-CN"}">${secondary.title} — ${secondary.body}</p>
${options.reference ? html`<p class="ref">Ref: <code>${options.reference}</code></p>` : ""}
<p><a class="button" href="${options.retryHref}">${retry}</a> <a href="/">${home}</a></p>
</main></body></html>`;
  // The security headers every login response carries are added in one place (security-headers.ts).
  return loginResponse(String(body), options.status, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  });
}

const STYLE =
  "body{font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;max-width:32rem;margin:10vh auto;padding:0 1rem;color:#222}" +
  "h1{font-size:1.4rem}.secondary{color:#777;font-size:.9rem}.ref{color:#999;font-size:.8rem}" +
  ".button{display:inline-block;background:#07c160;color:#fff;padding:.5rem 1rem;border-radius:4px;text-decoration:none;margin-right:1rem}";
