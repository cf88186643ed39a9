import { html } from "hono/html";
import type { AuthorizeRequest } from "../authorize-request.js";
import type { EmulatorUser } from "../config.js";
import { layout } from "./layout.js";
import { userPicker } from "./user-picker.js";

/** The snsapi_userinfo consent sheet WeChat shows inside its browser. */
export function consentPage(request: AuthorizeRequest, users: EmulatorUser[], selected: string) {
  return layout(
    "微信授权",
    html`<h1>${request.app.name}</h1>
<p>申请获取你的昵称、头像<br><span class="muted">requests your nickname and avatar</span></p>
<form method="post" action="/connect/oauth2/authorize" id="consent-form">
  <input type="hidden" name="appid" value="${request.app.appid}">
  <input type="hidden" name="redirect_uri" value="${request.redirectUri}">
  <input type="hidden" name="scope" value="${request.scope}">
  <input type="hidden" name="state" value="${request.state}">
  ${userPicker(users, selected)}
  <button type="submit" name="decision" value="allow" class="allow" id="allow">允许 Allow</button>
  <button type="submit" name="decision" value="deny" class="deny" id="deny">拒绝 Deny</button>
</form>`,
  );
}
