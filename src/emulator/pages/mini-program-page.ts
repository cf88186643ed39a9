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
}

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
<!-- Hook for the login flow's mini-program routes: "scan" (wx.login → POST /miniprogram/scan {code, scene})
     and "confirm/refuse" (POST /miniprogram/confirm) against the developer's server go here. -->
<section id="mp-site-actions" hidden></section>`,
  );
}

function safeDecode(scene: string): string {
  try {
    return decodeURIComponent(scene);
  } catch {
    return scene;
  }
}
