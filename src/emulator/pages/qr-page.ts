import { html, raw } from "hono/html";
import { layout } from "./layout.js";
import { type PageLang, QR_TEXTS } from "./texts.js";

export interface QrPageOptions {
  uuid: string;
  appName: string;
  qrDataUrl: string;
  phoneUrl: string;
  selfRedirect: boolean;
  lang: PageLang;
  style: "black" | "white";
  /** A stylesheet the site asked for (WxLogin.js `href`). */
  href?: string;
}

// The page script reads everything from data attributes, so no value is ever interpolated into JavaScript.
const SCRIPT = `
(function () {
  var root = document.getElementById("wx-qr");
  var status = document.getElementById("wx-status");
  var refresh = document.getElementById("wx-refresh");
  var expired = document.getElementById("wx-expired");
  var texts = JSON.parse(root.getAttribute("data-texts"));
  var uuid = root.getAttribute("data-uuid");
  var last = 0;
  function show(name) {
    status.textContent = texts[name];
    root.setAttribute("data-status", name);
  }
  function go(location) {
    var target = root.getAttribute("data-self-redirect") === "true" ? window : window.top;
    target.location.href = location;
  }
  function poll() {
    fetch("/connect/l/qrconnect?uuid=" + encodeURIComponent(uuid) + "&last=" + last, { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        last = answer.wx_errcode;
        if (answer.wx_errcode === 408) { show("waiting"); poll(); }
        else if (answer.wx_errcode === 404) { show("scanned"); poll(); }
        else if (answer.wx_errcode === 405) { show("confirmed"); go(answer.location); }
        else if (answer.wx_errcode === 403) { show("refused"); go(answer.location); }
        else { show("expired"); expired.hidden = false; }
      }, function () { setTimeout(poll, 2000); });
  }
  refresh.addEventListener("click", function () { window.location.reload(); });
  // Embedded (WxLogin.js), the phone link is inside a small iframe: the emulator tells the page around it,
  // which may show the link itself. Real WeChat sends no such message; a site must not rely on it.
  if (window.parent !== window) {
    window.parent.postMessage({ type: "wechat-emulator:phone-url", url: root.getAttribute("data-phone-url") }, "*");
  }
  poll();
})();
`;

/** WeChat's QR login page: the QR, its live status, and a refresh once it expires. */
export function qrPage(options: QrPageOptions) {
  const texts = QR_TEXTS[options.lang];
  const color = options.style === "white" ? "#fff" : "#191919";
  return layout(
    texts.title,
    html`${options.href ? html`<link rel="stylesheet" href="${options.href}">` : ""}
<div id="wx-qr" class="impowerBox" data-uuid="${options.uuid}" data-phone-url="${options.phoneUrl}"
  data-self-redirect="${options.selfRedirect ? "true" : "false"}" data-status="waiting" data-texts="${JSON.stringify(texts)}"
  style="color:${color}">
  <h1 class="title">${texts.title}</h1>
  <div class="qr-box">
    <img class="qr" alt="QR code" src="${options.qrDataUrl}">
    <div id="wx-expired" class="qr-overlay" hidden><p>${texts.expired}</p><button id="wx-refresh" class="allow">${texts.refresh}</button></div>
  </div>
  <p id="wx-status" class="status">${texts.waiting}</p>
  <p class="muted">${options.appName}</p>
  <p><a id="wx-phone-link" class="muted" href="${options.phoneUrl}" target="_blank" rel="noopener">${texts.openPhone}</a></p>
</div>
<script>${raw(SCRIPT)}</script>`,
    { lang: options.lang === "en" ? "en" : "zh-CN" },
  );
}
