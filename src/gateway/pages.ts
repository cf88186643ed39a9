import { html, raw } from "hono/html";
import type { PageLanguage } from "../flow/index.js";
import { loginResponse } from "../flow/responses.js";
import type { DenyReason } from "./policy.js";

/** The gateway's own pages, beside the flow's (flow/pages.ts): zh-CN or en, the other language beneath. */
export type GatewayPage = DenyReason | "open_in_browser" | "login_loop";

const texts: Record<GatewayPage, Record<PageLanguage, { title: string; body: string }>> = {
  not_in_roster: {
    "zh-CN": {
      title: "没有访问权限",
      body: "你已用微信登录，但还没有被加入这个站点的用户名单。请把下面的 ID 发给管理员。",
    },
    en: {
      title: "Not allowed",
      body: "You are logged in with WeChat, but you are not on this site's list of users yet. Send the ID below to your administrator.",
    },
  },
  not_in_group: {
    "zh-CN": {
      title: "没有访问权限",
      body: "你的账号没有访问这个页面所需的分组。如需开通，请把下面的 ID 发给管理员。",
    },
    en: {
      title: "Not allowed",
      body: "Your account is not in a group this page requires. To get access, send the ID below to your administrator.",
    },
  },
  no_unionid: {
    "zh-CN": {
      title: "无法识别账号",
      body: "微信没有返回 UnionID，本站需要它来识别你。请联系管理员，并附上下面的 ID。",
    },
    en: {
      title: "Account not recognised",
      body: "WeChat returned no UnionID, which this site needs to know who you are. Contact your administrator with the ID below.",
    },
  },
  open_in_browser: {
    "zh-CN": {
      title: "请在浏览器中打开",
      body: "本站暂不支持在微信内登录。请点右上角“…”，选择“在浏览器打开”，或在电脑上打开此链接并用微信扫码。",
    },
    en: {
      title: "Open this page in a browser",
      body: "This site cannot log you in inside WeChat. Tap “…” at the top right and choose “Open in browser”, or open this link on a computer and scan the QR code with WeChat.",
    },
  },
  login_loop: {
    "zh-CN": {
      title: "登录反复失败",
      body: "你在短时间内多次登录后又被要求登录，说明登录状态没有保存下来。常见原因：浏览器禁用了 Cookie；网关前的代理未传递 X-Forwarded-Proto（https 站点的 Cookie 带 Secure）；或访问的域名与回调地址不一致。请稍后再试，或把本页内容发给管理员。",
    },
    en: {
      title: "Login keeps failing",
      body: "You logged in several times in a short while and were asked to log in again each time, so the login is not being kept. Common causes: cookies are blocked; the proxy in front of the gateway does not pass X-Forwarded-Proto (an https site's cookie is Secure); or the address differs from the callback's host. Wait a minute and retry, or send this page to your administrator.",
    },
  },
};

/** A gateway page; `userId` is shown (with a copy button) so the user can quote it to an admin. */
export function gatewayPage(
  kind: GatewayPage,
  status: number,
  lang: PageLanguage,
  userId?: string,
): Response {
  const primary = texts[kind][lang];
  const secondary = texts[kind][lang === "zh-CN" ? "en" : "zh-CN"];
  const idLabel = lang === "zh-CN" ? "你的 ID" : "Your ID";
  const copy = lang === "zh-CN" ? "复制" : "Copy";
  const body = html`<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${primary.title}</title>
<style>${raw(STYLE)}</style></head>
<body><main data-outcome="${kind}">
<h1>${primary.title}</h1><p>${primary.body}</p>
${
  userId === undefined
    ? ""
    : html`<p>${idLabel}: <code id="wl-user">${userId}</code>
<button type="button" onclick="navigator.clipboard.writeText(document.getElementById('wl-user').textContent)">${copy}</button></p>`
}
<p class="secondary" lang="${lang === "zh-CN" ? "en" : "zh-CN"}">${secondary.title} — ${secondary.body}</p>
</main></body></html>`;
  return loginResponse(String(body), status, {
    "content-type": "text/html; charset=utf-8",
    // The copy button's one inline handler: no script is loaded, nothing else runs.
    "content-security-policy":
      "default-src 'none'; style-src 'unsafe-inline'; script-src-attr 'unsafe-inline'",
  });
}

const STYLE =
  "body{font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;max-width:32rem;margin:10vh auto;padding:0 1rem;color:#222}" +
  "h1{font-size:1.4rem}.secondary{color:#777;font-size:.9rem}code{background:#f3f3f3;padding:.1rem .3rem;word-break:break-all}";
