import { html } from "hono/html";
import type { EmulatorUser } from "../config.js";

/** Radio buttons to pick the test user who logs in. */
export function userPicker(users: readonly EmulatorUser[], selected: string) {
  return users.map(
    (user) => html`<label class="user">
  <input type="radio" name="userId" value="${user.id}" ${user.id === selected ? "checked" : ""}>
  ${user.headimgurl ? html`<img src="${user.headimgurl}" alt="">` : html`<span class="avatar"></span>`}
  <span>${user.nickname} <span class="muted">(${user.id})</span></span>
</label>`,
  );
}
