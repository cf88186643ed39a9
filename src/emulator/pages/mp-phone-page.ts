import { html } from "hono/html";
import type { EmulatorUser } from "../config.js";
import { layout } from "./layout.js";
import { userPicker } from "./user-picker.js";

/** The phone after scanning a parametric QR (`/q/<id>`): who scans, and what they do (spec A.8). */
export function mpPhonePage(options: {
  id: string;
  accountName: string;
  users: EmulatorUser[];
  selected: string;
}) {
  return layout(
    options.accountName,
    html`<h1>${options.accountName}</h1>
<p>公众号二维码<br><span class="muted">Official Account QR code</span></p>
<form method="post" action="/q/${options.id}" id="mp-phone-form">
  ${userPicker(options.users, options.selected)}
  <button type="submit" name="action" value="scan" class="allow" id="mp-scan">扫码（已关注） Scan (already following)</button>
  <button type="submit" name="action" value="scan-follow" class="allow" id="mp-scan-follow">扫码并关注 Scan and follow</button>
  <input type="text" name="content" id="mp-content" maxlength="2048" placeholder="消息 Message" style="width:100%;box-sizing:border-box;padding:10px">
  <button type="submit" name="action" value="text" class="deny" id="mp-text">发送消息 Send text</button>
  <button type="submit" name="action" value="unfollow" class="deny" id="mp-unfollow">取消关注 Unfollow</button>
</form>`,
  );
}

/** What the phone shows after an action: the account's reply, or WeChat's "unavailable" notice. */
export function mpResultPage(title: string, detail: string, status: string) {
  return layout(
    title,
    html`<h1 id="mp-result" data-status="${status}">${title}</h1>
<p id="mp-detail">${detail}</p>`,
  );
}
