import { html } from "hono/html";
import type { EmulatorUser } from "../config.js";
import { layout } from "./layout.js";
import { userPicker } from "./user-picker.js";

/** The emulated phone after scanning: pick a user, then 允许 (allow) or 拒绝 (deny). */
export function phonePage(options: {
  uuid: string;
  appName: string;
  users: EmulatorUser[];
  selected: string;
}) {
  return layout(
    "微信登录确认",
    html`<h1>${options.appName}</h1>
<p>申请使用你的微信账号登录<br><span class="muted">requests to log in with your WeChat account</span></p>
<form method="post" action="/_emulator/phone/${options.uuid}" id="phone-form">
  ${userPicker(options.users, options.selected)}
  <button type="submit" name="decision" value="allow" class="allow" id="allow">允许 Allow</button>
  <button type="submit" name="decision" value="deny" class="deny" id="deny">拒绝 Deny</button>
</form>`,
  );
}

/** What the phone shows once the ticket is settled (or when it cannot be used any more). */
export function phoneResultPage(title: string, detail: string, status: string) {
  return layout(
    title,
    html`<div class="icon" aria-hidden="true">${status === "confirmed" ? "✅" : "ℹ️"}</div>
<h1 id="phone-result" data-status="${status}">${title}</h1>
<p>${detail}</p>`,
  );
}
