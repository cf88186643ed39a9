import { randomBytes } from "node:crypto";
import { html, raw } from "hono/html";
import type { Lang } from "./pages.js";
import { loginResponse } from "./responses.js";

interface FollowPageOptions {
  lang: Lang;
  shown: { qrImageUrl: string; qrUrl: string } | { code: string };
  pollUrl: string;
  expiresIn: number;
  /** A fresh attempt of the same variant, once this one expired. */
  restartHref: string;
  /** Where the QR image comes from (WeChat's mp host), the only image source the page allows. */
  imageOrigin: string;
  /** The pre-login cookie binding the attempt to this browser. */
  setCookies: readonly string[];
}

const TEXT = {
  "zh-CN": {
    title: "关注公众号登录",
    qr: "请用微信扫描二维码并关注公众号，即可登录本站。",
    code: "请在微信中向本站的公众号发送下面的登录码：",
    waiting: "等待微信确认…",
    confirmed: "已确认，正在登录…",
    expired: "二维码或登录码已过期。",
    restart: "重新获取",
    failed: "登录未完成，请重新获取。",
    warning: "只在你自己打开的网页上扫码或发送登录码；不要替别人扫码。",
  },
  en: {
    title: "Follow to log in",
    qr: "Scan the QR code with WeChat and follow the Official Account to log in.",
    code: "In WeChat, send this login code to the site's Official Account:",
    waiting: "Waiting for WeChat…",
    confirmed: "Confirmed, logging in…",
    expired: "The QR code or login code has expired.",
    restart: "Get a new one",
    failed: "The login did not complete; get a new one.",
    warning: "Only scan or send a code shown on a page you opened yourself; never scan for someone else.",
  },
} as const;

/**
 * The page of `GET {prefix}/follow`: the QR or the code, and a small script
 * that polls the attempt and follows the redirect once it is confirmed. The
 * script runs under a nonce; the page may load images from WeChat only and
 * talk to this origin only.
 */
export function followPage(options: FollowPageOptions): Response {
  const t = TEXT[options.lang];
  const nonce = randomBytes(16).toString("base64");
  const messages = JSON.stringify({
    confirmed: t.confirmed,
    expired: t.expired,
    failed: t.failed,
  });
  const shown =
    "qrImageUrl" in options.shown
      ? html`<p>${t.qr}</p><img id="qr" src="${options.shown.qrImageUrl}" data-qr-url="${options.shown.qrUrl}" alt="QR" width="240" height="240">`
      : html`<p>${t.code}</p><p id="code" class="code">${options.shown.code}</p>`;
  const body = html`<!doctype html>
<html lang="${options.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title}</title>
<style>${raw(STYLE)}</style></head>
<body><main data-follow="${"qrImageUrl" in options.shown ? "qr" : "code"}">
<h1>${t.title}</h1>
${shown}
<p id="status" data-status="waiting">${t.waiting}</p>
<p class="warning">${t.warning}</p>
<p><a id="restart" href="${options.restartHref}" hidden>${t.restart}</a></p>
</main>
<script nonce="${nonce}">${raw(pollScript(options.pollUrl, options.expiresIn, messages))}</script>
</body></html>`;
  return loginResponse(
    String(body),
    200,
    {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": `default-src 'none'; img-src ${options.imageOrigin}; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'`,
    },
    options.setCookies,
  );
}

/** Polls every 2 s until the attempt is confirmed (then follows `redirect`) or gone. */
function pollScript(pollUrl: string, expiresIn: number, messages: string): string {
  // JSON.stringify of a same-origin path and fixed texts, with `<` escaped so nothing can close the script.
  const literal = (value: string) => JSON.stringify(value).replace(/</g, "\\u003c");
  return `(function(){var url=${literal(pollUrl)},m=${messages.replace(/</g, "\\u003c")},end=Date.now()+${expiresIn * 1000};
var el=document.getElementById("status");
function show(s,t){el.setAttribute("data-status",s);el.textContent=t;if(s!=="confirmed")document.getElementById("restart").hidden=false;}
function tick(){if(Date.now()>end){show("expired",m.expired);return;}
fetch(url,{credentials:"same-origin",headers:{accept:"application/json"}}).then(function(r){return r.json();}).then(function(b){
if(b.status==="confirmed"&&b.redirect){el.setAttribute("data-status","confirmed");el.textContent=m.confirmed;location.assign(b.redirect);return;}
if(b.status==="waiting"||b.status==="scanned"){setTimeout(tick,2000);return;}
if(b.status==="expired"){show("expired",m.expired);return;}
if(b.error==="wechat_unavailable"||b.error==="store_unavailable"){setTimeout(tick,4000);return;}
show("failed",m.failed);}).catch(function(){setTimeout(tick,4000);});}
setTimeout(tick,1000);})();`;
}

const STYLE =
  "body{font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;max-width:32rem;margin:10vh auto;padding:0 1rem;color:#222;text-align:center}" +
  "h1{font-size:1.4rem}.code{font-size:2.4rem;letter-spacing:.4rem;font-weight:600}.warning{color:#999;font-size:.8rem}" +
  "img{border:1px solid #eee}";
