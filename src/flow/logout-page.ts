import { html, raw } from "hono/html";
import type { FlowContext } from "./context.js";
import { pickLang } from "./pages.js";
import { singleParam } from "./params.js";
import { loginResponse } from "./responses.js";
import { safeReturnTo } from "./return-to.js";

const words = {
  "zh-CN": { title: "退出登录", body: "确定要退出登录吗？", button: "退出登录", home: "返回首页" },
  en: { title: "Log out", body: "Do you want to log out?", button: "Log out", home: "Back to home" },
} as const;

const STYLE =
  "body{font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;max-width:32rem;margin:10vh auto;padding:0 1rem;color:#222}" +
  "h1{font-size:1.4rem}button{background:#07c160;color:#fff;padding:.5rem 1rem;border:0;border-radius:4px;font-size:1rem;cursor:pointer;margin-right:1rem}";

/**
 * `GET {prefix}/logout`: logging out changes state, so it is a POST (a link
 * or a prefetch must never log anyone out); a person who typed the address
 * gets this page with the button that sends it. Its referrer policy is
 * `same-origin` (the login's headers say `no-referrer`, under which browsers
 * send `Origin: null`, and the logout's CSRF check would refuse the button).
 */
export function logoutPage(ctx: FlowContext, request: Request, url: URL): Response {
  const lang = pickLang(request);
  const w = words[lang];
  const returnTo = safeReturnTo(singleParam(url, "returnTo"), ctx.siteOrigin);
  const action = `${url.pathname}?returnTo=${encodeURIComponent(returnTo)}`;
  const body = html`<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${w.title}</title><style>${raw(STYLE)}</style></head>
<body><main data-outcome="logout_confirm"><h1>${w.title}</h1><p>${w.body}</p>
<form method="post" action="${action}"><button type="submit" id="logout">${w.button}</button><a href="/">${w.home}</a></form>
</main></body></html>`;
  return loginResponse(String(body), 200, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  });
}
