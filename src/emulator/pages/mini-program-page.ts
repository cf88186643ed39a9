import { html } from "hono/html";
import type { EmulatorUser } from "../config.js";
import { layout } from "./layout.js";
import { userPicker } from "./user-picker.js";

export interface MiniProgramPanel {
  appid: string;
  appName: string;
  /** The page the wxacode opens; the home page when the code named none. */
  page: string;
  /** `query.scene` as the page receives it: URL-encoded, to be `decodeURIComponent`-ed. */
  scene: string;
  envVersion: string;
  users: readonly EmulatorUser[];
  selected: string;
  /** A code the last button press issued. */
  issued?: { kind: "js_code" | "phone_code"; value: string };
  /** The developer's server (the app's `server`), for the page's scan/confirm buttons. */
  server?: string | undefined;
  /** What the developer's server answered the last scan/confirm button. */
  site?: SiteStep | undefined;
}

/** The mini program's conversation with the developer's server, as its confirm page shows it. */
export type SiteStep =
  | { kind: "scanned"; siteName: string; requestedAt: number }
  | { kind: "answered"; status: string }
  | { kind: "failed"; httpStatus: number; error: string; message: string };

/**
 * What the phone shows after scanning a wxacode: the mini program open on
 * `page` with `query.scene`, and its buttons (wx.login, share phone number).
 */
export function miniProgramPage(panel: MiniProgramPanel) {
  const action = `/_emulator/mini-program/${panel.appid}`;
  return layout(
    panel.appName,
    html`<h1 id="mp-app" data-appid="${panel.appid}">${panel.appName}</h1>
<p class="muted">小程序 mini program · ${panel.envVersion}</p>
<dl id="mp-page" data-page="${panel.page}" data-scene="${panel.scene}">
  <dt>page</dt><dd><code>${panel.page}</code></dd>
  <dt>query.scene</dt><dd><code id="mp-scene">${panel.scene}</code></dd>
  <dt>decodeURIComponent(query.scene)</dt><dd><code id="mp-scene-decoded">${safeDecode(panel.scene)}</code></dd>
</dl>
<form method="post" action="${action}" id="mp-form">
  <input type="hidden" name="page" value="${panel.page}">
  <input type="hidden" name="scene" value="${safeDecode(panel.scene)}">
  <input type="hidden" name="env_version" value="${panel.envVersion}">
  ${userPicker(panel.users, panel.selected)}
  <button type="submit" name="action" value="login" class="allow" id="mp-login">wx.login()</button>
  <button type="submit" name="action" value="phone" class="deny" id="mp-phone">获取手机号 Share phone number</button>
</form>
${
  panel.issued
    ? html`<p>${panel.issued.kind}: <code id="mp-issued" data-kind="${panel.issued.kind}">${panel.issued.value}</code></p>`
    : ""
}
${siteActions(panel)}`,
  );
}

/**
 * The login page of the developer's mini program: "scan" is wx.login and
 * `POST {server}/miniprogram/scan {code, scene}`, then confirm or refuse with
 * `POST {server}/miniprogram/confirm` under the bearer token scan returned.
 * The buttons submit the panel's form, so they use the user picked there.
 */
function siteActions(panel: MiniProgramPanel) {
  if (!panel.server || !panel.scene) return html`<section id="mp-site-actions" hidden></section>`;
  const step = panel.site;
  const button = (value: string, id: string, label: string, kind: "allow" | "deny") =>
    html`<button type="submit" form="mp-form" name="action" value="${value}" id="${id}" class="${kind}">${label}</button>`;
  return html`<section id="mp-site-actions" data-server="${panel.server}">
<h2>登录网站 Log in on the website</h2>
<p class="muted"><code>${panel.server}</code></p>
${
  step?.kind === "scanned"
    ? html`<p>登录 Log in to <strong id="mp-site-name">${step.siteName}</strong>?</p>
<p class="muted">请求时间 Requested at <time id="mp-site-time" datetime="${new Date(step.requestedAt).toISOString()}">${new Date(step.requestedAt).toISOString()}</time></p>
${button("site-allow", "mp-site-allow", "确认登录 Confirm", "allow")}
${button("site-deny", "mp-site-deny", "拒绝 Refuse", "deny")}`
    : button("site-scan", "mp-site-scan", "扫码登录 Scan to log in", "allow")
}
${
  step?.kind === "answered"
    ? html`<p id="mp-site-result" data-status="${step.status}">${step.status === "confirmed" ? "已确认 Confirmed" : "已拒绝 Refused"}</p>`
    : step?.kind === "failed"
      ? html`<p id="mp-site-result" data-status="error" data-error="${step.error}">${step.httpStatus} ${step.error}: ${step.message}</p>`
      : ""
}
</section>`;
}

function safeDecode(scene: string): string {
  try {
    return decodeURIComponent(scene);
  } catch {
    return scene;
  }
}
