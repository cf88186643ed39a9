import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

// A constant, inserted raw: entities are not decoded inside <style>, so escaping would break the quoted font names.
const STYLE = `
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",Helvetica,Arial,sans-serif;background:#f7f7f7;color:#191919}
main{max-width:420px;margin:0 auto;padding:32px 20px;text-align:center}
h1{font-size:20px;font-weight:500;margin:8px 0 16px}
p{color:#555;font-size:14px;line-height:1.6}
.qr{width:220px;height:220px;border:1px solid #e5e5e5;background:#fff}
.qr-box{position:relative;display:inline-block}.qr-box .qr{display:block}
.qr-overlay{position:absolute;inset:0;display:flex;flex-direction:column;align-items:center;justify-content:center;background:rgba(255,255,255,.8)}
.qr-overlay p{color:#191919;font-weight:500;margin:0}.qr-overlay button{width:auto;padding:8px 24px}
[data-status="expired"] .qr{opacity:.25;filter:blur(1px)}
.muted{color:#999;font-size:12px}
button,.button{display:block;width:100%;box-sizing:border-box;margin:12px 0;padding:12px;border:0;border-radius:6px;font-size:16px;cursor:pointer;text-decoration:none}
.allow{background:#07c160;color:#fff}.deny{background:#f2f2f2;color:#191919}
label.user{display:flex;align-items:center;gap:12px;text-align:left;background:#fff;border-radius:6px;padding:10px 12px;margin:8px 0}
label.user img,label.user .avatar{width:40px;height:40px;border-radius:4px;background:#ddd}
.icon{font-size:48px}
[hidden]{display:none!important}
`;

/** The frame of every emulator page: a mobile-first layout close to WeChat's plain pages. */
export function layout(title: string, body: Html, options: { lang?: string } = {}): Html {
  return html`<!doctype html>
<html lang="${options.lang ?? "zh-CN"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${raw(STYLE)}</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

/**
 * WeChat's error page: a bare message, HTTP 200, no redirect (spec §2: a bad
 * redirect_uri must never send the browser anywhere).
 */
export function errorPage(title: string, detail: string, errcode?: number): Html {
  return layout(
    title,
    html`<div class="icon" aria-hidden="true">⚠️</div>
<h1 data-error="${errcode ?? ""}">${title}</h1>
<p>${detail}</p>
${errcode === undefined ? "" : html`<p class="muted">errcode: ${errcode}</p>`}`,
  );
}
