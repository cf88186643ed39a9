import { Hono } from "hono";
import { html } from "hono/html";
import { decide } from "../consent.js";
import type { EmulatorEnv } from "../env.js";
import { phonePage, phoneResultPage } from "../pages/phone-page.js";
import type { EmulatorState } from "../state.js";
import type { TicketStatus } from "../tickets.js";

const SETTLED: Record<Exclude<TicketStatus, "waiting" | "scanned">, [string, string]> = {
  confirmed: ["已允许登录", "You allowed the login. Go back to the computer."],
  refused: ["已拒绝登录", "You denied the login."],
  expired: ["二维码已失效", "This QR code expired; refresh it on the computer."],
};

// WeChat's avatar sizes: the last path segment of headimgurl (spec §3.4).
const AVATAR_SIZES = new Set(["0", "46", "64", "96", "132"]);
const AVATAR_COLORS = ["#07c160", "#10aeff", "#fa9d3b", "#fa5151", "#6467f0"];

/** The emulated phone (what a scan opens) and the users' avatars. */
export function phoneRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  const settledPage = (status: TicketStatus) => {
    const [title, detail] = status === "waiting" || status === "scanned" ? SETTLED.expired : SETTLED[status];
    return phoneResultPage(title, detail, status);
  };

  // Opening the page is the scan: the computer's QR page switches to "confirm on your phone".
  routes.get("/phone/:uuid", (c) => {
    const uuid = c.req.param("uuid");
    const ticket = state.tickets.get(uuid);
    if (!ticket) return c.html(phoneResultPage("二维码无效", "Unknown QR code.", "unknown"), 404);
    const app = state.apps.get(ticket.appid);
    const scanned = state.tickets.scan(uuid, ticket.userId ?? state.defaultUser().id);
    if (!scanned.ok || !app) return c.html(settledPage(ticket.status));
    return c.html(
      phonePage({
        uuid,
        appName: app.name,
        users: [...state.users.values()],
        selected: scanned.ticket.userId ?? "",
      }),
    );
  });

  routes.post("/phone/:uuid", async (c) => {
    const uuid = c.req.param("uuid");
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const decision = form.decision === "deny" ? "deny" : "allow";
    const userId = typeof form.userId === "string" && state.users.has(form.userId) ? form.userId : undefined;
    const ticket = state.tickets.get(uuid);
    if (!ticket) return c.html(phoneResultPage("二维码无效", "Unknown QR code.", "unknown"), 404);
    if (decision === "deny") {
      const refused = state.tickets.refuse(uuid);
      return c.html(settledPage(refused.ok ? "refused" : ticket.status));
    }
    const scanned = state.tickets.scan(uuid, userId ?? ticket.userId ?? state.defaultUser().id);
    if (!scanned.ok) return c.html(settledPage(ticket.status));
    const confirmed = state.tickets.confirm(uuid, (current) => {
      const outcome = decide(state, {
        appid: current.appid,
        userId: current.userId ?? state.defaultUser().id,
        scope: "snsapi_login",
        redirectUri: current.redirectUri,
        state: current.state,
        decision: "allow",
      });
      return outcome.code ?? "";
    });
    return c.html(settledPage(confirmed.ok ? "confirmed" : ticket.status));
  });

  routes.get("/avatar/:userId/:size", async (c) => {
    const user = state.users.get(c.req.param("userId"));
    if (!user || !AVATAR_SIZES.has(c.req.param("size"))) return c.json({ error: "not_found" }, 404);
    const size = Number(c.req.param("size")) || 640;
    const initial = [...user.nickname][0] ?? "?";
    const color =
      AVATAR_COLORS[[...user.id].reduce((sum, char) => sum + char.charCodeAt(0), 0) % AVATAR_COLORS.length];
    c.header("content-type", "image/svg+xml; charset=utf-8");
    const svg =
      await html`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100"><rect width="100" height="100" fill="${color}"/><text x="50" y="66" font-size="48" text-anchor="middle" fill="#fff" font-family="sans-serif">${initial}</text></svg>`;
    return c.body(svg.toString());
  });

  return routes;
}
