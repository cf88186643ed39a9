import { html, raw } from "hono/html";
import type { PageLanguage as Lang, LoginFlowEvent, LoginSession } from "../flow/index.js";
import { tracePanel } from "./trace-panel.js";

const words = {
  "zh-CN": {
    title: "wechat-login 演示",
    intro: "这个演示站点通过本地微信模拟器完成「微信登录」。",
    redirect: "微信登录（跳转到二维码页）",
    embedded: "微信登录（页面内嵌二维码）",
    followQr: "关注公众号登录（扫码）",
    followCode: "关注公众号登录（发送登录码）",
    followNote:
      "关注公众号登录：扫码方式在模拟器的手机页面选择“扫码并关注”；登录码方式在任一手机页面选择“发送文字”，或调用模拟器的 POST /_emulator/mp/…/text。",
    hello: "你好",
    profile: "个人资料",
    logout: "退出登录",
    scan: "用模拟器的“手机”页面扫码确认：",
    back: "返回首页",
    phone: "打开模拟器的“手机”页面",
    inWeChat:
      "在微信里打开本站也能登录：微信内置浏览器会跳转到公众号网页授权，登录的是同一个用户（同一个 unionid）。",
    miniProgram: "扫小程序码登录",
    mpScan: "用微信扫描小程序码，在小程序里确认登录：",
    mpPhone: "打开模拟器里的小程序（相当于扫码）",
    mpRefresh: "换一个小程序码",
    mpStatus: {
      waiting: "等待扫码…",
      scanned: "已扫码，请在小程序里确认",
      confirmed: "已确认，正在登录…",
      refused: "已在小程序里拒绝",
      expired: "小程序码已过期",
      error: "出错了，请换一个小程序码",
    },
  },
  en: {
    title: "wechat-login demo",
    intro: "This demo site logs in with WeChat through the local WeChat emulator.",
    redirect: "Log in with WeChat (redirect to the QR page)",
    embedded: "Log in with WeChat (QR embedded in this page)",
    followQr: "Follow the Official Account to log in (scan)",
    followCode: "Follow the Official Account to log in (send a code)",
    followNote:
      "Follow to log in: for the QR, choose “scan and follow” on the emulator's phone page; for the code, choose “send text” on any phone page, or call the emulator's POST /_emulator/mp/…/text.",
    hello: "Hello",
    profile: "Profile",
    logout: "Log out",
    scan: "Scan and confirm on the emulator's phone page:",
    back: "Back to home",
    phone: "Open the emulator's phone page",
    inWeChat:
      "Opened inside WeChat, the same button works too: WeChat's browser goes through the official account's authorization and logs in the same user (same unionid).",
    miniProgram: "Scan the mini-program code",
    mpScan: "Scan the mini-program code with WeChat and confirm in the mini program:",
    mpPhone: "Open the mini program in the emulator (as scanning would)",
    mpRefresh: "Get a new code",
    mpStatus: {
      waiting: "Waiting for a scan…",
      scanned: "Scanned: confirm in the mini program",
      confirmed: "Confirmed, logging in…",
      refused: "Refused in the mini program",
      expired: "The code expired",
      error: "Something went wrong: get a new code",
    },
  },
} as const;

// A constant, inserted raw: entities are not decoded inside <style>, so escaping would break the quoted font names.
const STYLE =
  "body{font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}" +
  ".button{display:inline-block;background:#07c160;color:#fff;padding:.6rem 1.2rem;border-radius:4px;text-decoration:none;border:0;font-size:1rem;cursor:pointer;margin:.3rem 0}" +
  ".avatar{width:64px;height:64px;border-radius:8px;background:#eee;vertical-align:middle}dt{color:#777}.note{color:#777;font-size:.9rem}[hidden]{display:none!important}.muted{color:#777;font-size:.85rem}" +
  ".steps{padding-left:0;list-style:none}.steps li{border-left:3px solid #07c160;padding:.2rem 0 .2rem .8rem;margin:1rem 0}" +
  ".fields{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0}.fields dd{margin:0;word-break:break-all}time{color:#777;font-family:monospace}";

function layout(lang: Lang, body: unknown) {
  return html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${words[lang].title}</title><style>${raw(STYLE)}</style></head>
<body><h1>${words[lang].title}</h1>${body}</body></html>`;
}

export function homePage(
  lang: Lang,
  session: LoginSession | undefined,
  prefix: string,
  ways: { miniProgram?: boolean; follow?: boolean } = {},
) {
  const w = words[lang];
  if (session) {
    return layout(
      lang,
      html`<p>${w.hello}, <strong id="nickname">${session.user.nickname}</strong></p>
<p><a class="button" href="/profile">${w.profile}</a></p>`,
    );
  }
  return layout(
    lang,
    html`<p>${w.intro}</p>
<p><a class="button" id="login-redirect" href="${prefix}/login?returnTo=%2Fprofile">${w.redirect}</a></p>
<p><a class="button" id="login-embedded" href="/embedded">${w.embedded}</a></p>
${ways.miniProgram ? html`<p><a class="button" id="login-miniprogram" href="/miniprogram">${w.miniProgram}</a></p>` : ""}
${
  ways.follow
    ? html`<p><a class="button" id="follow-qr" href="${prefix}/follow?variant=qr&amp;returnTo=%2Fprofile">${w.followQr}</a></p>
<p><a class="button" id="follow-code" href="${prefix}/follow?variant=code&amp;returnTo=%2Fprofile">${w.followCode}</a></p>
<p class="note" id="follow-note">${w.followNote}</p>`
    : ""
}
<p class="note" id="in-wechat">${w.inWeChat}</p>`,
  );
}

export function profilePage(
  lang: Lang,
  session: LoginSession,
  prefix: string,
  steps: readonly LoginFlowEvent[],
) {
  const w = words[lang];
  return layout(
    lang,
    html`<p>${session.user.headimgurl ? html`<img class="avatar" alt="" src="${session.user.headimgurl}">` : ""}
<strong id="nickname">${session.user.nickname}</strong></p>
<dl><dt>user id</dt><dd id="user-id">${session.user.id}</dd>
<dt>openid</dt><dd id="openid">${session.identity.openid}</dd>
<dt>unionid</dt><dd id="unionid">${session.user.unionid ?? "—"}</dd></dl>
<form method="post" action="${prefix}/logout?returnTo=%2F"><button class="button" id="logout" type="submit">${w.logout}</button></form>
<p><a href="/">${w.back}</a></p>
${tracePanel(lang, steps)}`,
  );
}

// The emulator's QR page tells the page around its iframe where its phone page is; only that origin is believed.
const PHONE_LINK_SCRIPT = `
var container = document.getElementById("login_container");
new WxLogin(JSON.parse(container.dataset.options));
window.addEventListener("message", function (event) {
  var data = event.data;
  if (event.origin !== container.dataset.emulatorOrigin || !data || data.type !== "wechat-emulator:phone-url") return;
  if (typeof data.url !== "string" || !(data.url.indexOf("http://") === 0 || data.url.indexOf("https://") === 0)) return;
  var link = document.getElementById("phone-link");
  link.href = data.url;
  link.hidden = false;
});
`;

export function embeddedPage(lang: Lang, scriptUrl: string, options: object) {
  const w = words[lang];
  return layout(
    lang,
    html`<p>${w.scan}</p><div id="login_container" data-options="${JSON.stringify(options)}" data-emulator-origin="${new URL(scriptUrl).origin}"></div>
<p><a id="phone-link" class="button" target="_blank" rel="noopener" hidden>${w.phone}</a></p>
<script src="${scriptUrl}"></script>
<script>${raw(PHONE_LINK_SCRIPT)}</script>
<p><a href="/">${w.back}</a></p>`,
  );
}

// Shows the code, then polls its attempt until the mini program answered; the login's routes set the session.
const MINI_PROGRAM_SCRIPT = `
var box = document.getElementById("mp-login");
var words = JSON.parse(box.dataset.words);
var statusLine = document.getElementById("mp-status");
var refresh = document.getElementById("mp-refresh");
var timer;
function show(status) {
  statusLine.dataset.status = status;
  statusLine.textContent = words[status] || words.error;
}
function poll(url) {
  fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (body) {
    show(body.status);
    if (body.status === "confirmed") { location.href = body.returnTo || "/"; return; }
    if (body.status === "waiting" || body.status === "scanned") { timer = setTimeout(function () { poll(url); }, 1000); return; }
    refresh.hidden = false;
  }, function () { show("error"); refresh.hidden = false; });
}
function start() {
  clearTimeout(timer);
  refresh.hidden = true;
  fetch(box.dataset.qr, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (body) {
    if (!body.image) { show("error"); refresh.hidden = false; return; }
    document.getElementById("mp-code-image").src = body.image;
    var link = document.getElementById("mp-phone-link");
    if (box.dataset.panel) { link.href = box.dataset.panel + "&scene=" + encodeURIComponent(body.scene); link.hidden = false; }
    show("waiting");
    poll(body.poll);
  }, function () { show("error"); refresh.hidden = false; });
}
refresh.addEventListener("click", start);
start();
`;

/** "Scan the mini-program code": the code, its status, and the emulator's phone panel when there is one. */
export function miniProgramPage(lang: Lang, prefix: string, panel: string | undefined) {
  const w = words[lang];
  return layout(
    lang,
    html`<p>${w.mpScan}</p>
<div id="mp-login" data-qr="${prefix}/miniprogram/qr?returnTo=%2Fprofile" data-panel="${panel ?? ""}" data-words="${JSON.stringify(w.mpStatus)}">
<img id="mp-code-image" alt="${w.miniProgram}" width="280" height="280">
<p id="mp-status" data-status=""></p>
<p><a id="mp-phone-link" class="button" target="_blank" rel="noopener" hidden>${w.mpPhone}</a></p>
<button type="button" class="button" id="mp-refresh" hidden>${w.mpRefresh}</button>
</div>
<script>${raw(MINI_PROGRAM_SCRIPT)}</script>
<p><a href="/">${w.back}</a></p>`,
  );
}
