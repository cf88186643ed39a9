import { Hono } from "hono";
import type { EmulatorEnv } from "../env.js";
import { act, type MpAction } from "../official-account/actions.js";
import { mpPhonePage, mpResultPage } from "../pages/mp-phone-page.js";
import type { EmulatorState } from "../state.js";

const PROBLEMS = {
  expired: ["二维码已过期", "This QR code expired."],
  not_following: ["请先关注公众号", "Follow the account first."],
  already_following: ["已关注", "You already follow this account."],
} as const;

/** The phone page a parametric QR's URL opens (`/q/<id>`, spec A.8). */
export function mpPhoneRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  const lookup = (id: string) => {
    const code = state.officialAccounts.code(id);
    const app = code ? state.apps.get(code.appid) : undefined;
    return code && app ? { code, app } : undefined;
  };

  routes.get("/q/:id", (c) => {
    const found = lookup(c.req.param("id"));
    if (!found) return c.html(mpResultPage("二维码无效", "Unknown QR code.", "unknown"), 404);
    if (state.officialAccounts.isExpired(found.code)) {
      return c.html(mpResultPage(...PROBLEMS.expired, "expired"));
    }
    return c.html(
      mpPhonePage({
        id: found.code.id,
        accountName: found.app.name,
        users: [...state.users.values()],
        selected: state.defaultUser().id,
      }),
    );
  });

  routes.post("/q/:id", async (c) => {
    const found = lookup(c.req.param("id"));
    if (!found) return c.html(mpResultPage("二维码无效", "Unknown QR code.", "unknown"), 404);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const userId =
      typeof form.userId === "string" && state.users.has(form.userId) ? form.userId : state.defaultUser().id;
    const content = typeof form.content === "string" ? form.content.slice(0, 2048) : "";
    let action: MpAction;
    if (form.action === "text") action = { kind: "text", content: content || " " };
    else if (form.action === "unfollow") action = { kind: "unfollow" };
    else action = { kind: "scan", code: found.code, follow: form.action === "scan-follow" };
    const result = await act(state, found.app, userId, action);
    if (!result.ok) {
      const [title, detail] = PROBLEMS[result.problem];
      return c.html(mpResultPage(title, detail, result.problem));
    }
    const { outcome } = result;
    if (!outcome.delivered && !outcome.held)
      return c.html(mpResultPage(outcome.shown ?? "", "", "unavailable"));
    return c.html(mpResultPage(outcome.replyText ?? "已发送", outcome.replyText ? "" : "Sent.", "delivered"));
  });

  return routes;
}
