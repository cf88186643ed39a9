import { html } from "hono/html";
import type { PageLanguage as Lang, LoginFlowEvent } from "../flow/index.js";

const titles: Record<Lang, Record<LoginFlowEvent["type"], string>> = {
  "zh-CN": {
    authorize_redirect: "1. 跳转到微信授权页（state 绑定到本浏览器）",
    callback_received: "2. 微信带着 code 和 state 回调本站",
    code_exchanged: "3. 服务器用 code 换取 access_token（AppSecret 只在服务器端使用）",
    userinfo_fetched: "4. 用 access_token 读取用户资料",
    wechat_call_failed: "微信接口调用失败",
    login_completed: "5. 关联用户并创建会话（新的会话 ID，只存哈希）",
  },
  en: {
    authorize_redirect: "1. Redirect to WeChat's authorization page (the state is bound to this browser)",
    callback_received: "2. WeChat calls back with a code and the state",
    code_exchanged:
      "3. The server exchanges the code for an access_token (the AppSecret never leaves the server)",
    userinfo_fetched: "4. The access_token reads the user's profile",
    wechat_call_failed: "A WeChat call failed",
    login_completed: "5. The user is linked and a session starts (a new session id, stored hashed)",
  },
};

const headings: Record<Lang, { title: string; note: string; answer: string }> = {
  "zh-CN": {
    title: "刚才发生了什么",
    note: "这是本次登录的每一步，来自登录流程自己的事件；code 和 state 只显示前 4 位，AppSecret 和 token 不显示。",
    answer: "返回字段",
  },
  en: {
    title: "What just happened",
    note: "Each step of this login, from the login flow's own events; code and state show their first 4 characters, the AppSecret and tokens nothing.",
    answer: "answer",
  },
};

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 23);
}

/** One step's details: its URL split into parameters, an answer's fields, the user it ended with. */
function details(event: LoginFlowEvent, lang: Lang) {
  switch (event.type) {
    case "authorize_redirect":
      return callDetails(event.url);
    case "callback_received":
      return fields({ code: event.code ?? "—", state: event.state });
    case "code_exchanged":
    case "userinfo_fetched":
      return html`${callDetails(event.url, event.durationMs)}
<p class="muted">${headings[lang].answer}</p>${fields(event.answer)}`;
    case "wechat_call_failed":
      return fields({ endpoint: event.endpoint, errcode: event.errcode ?? "—", ms: event.durationMs });
    case "login_completed":
      return fields({ userId: event.userId, created: String(event.created) });
  }
}

function callDetails(url: string, durationMs?: number) {
  const parsed = new URL(url);
  return html`<p><code>${parsed.origin}${parsed.pathname}</code>${durationMs === undefined ? "" : html` <span class="muted">${durationMs} ms</span>`}</p>
${fields(Object.fromEntries(parsed.searchParams))}`;
}

function fields(values: Record<string, string | number>) {
  return html`<dl class="fields">${Object.entries(values).map(
    ([name, value]) => html`<dt>${name}</dt><dd><code>${String(value)}</code></dd>`,
  )}</dl>`;
}

/** The profile page's panel: the steps of the login that just finished, each with its time. */
export function tracePanel(lang: Lang, steps: readonly LoginFlowEvent[]) {
  if (steps.length === 0) return "";
  return html`<section id="what-just-happened"><h2>${headings[lang].title}</h2>
<p class="muted">${headings[lang].note}</p>
<ol class="steps">${steps.map(
    (
      step,
    ) => html`<li data-step="${step.type}"><p><time>${clock(step.at)}</time> <strong>${titles[lang][step.type]}</strong></p>
${details(step, lang)}</li>`,
  )}</ol></section>`;
}
