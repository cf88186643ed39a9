import { Hono } from "hono";
import type { EmulatorEnv } from "../env.js";
import { callSite } from "../mini-program/site.js";
import { errorPage } from "../pages/layout.js";
import { type MiniProgramPanel, miniProgramPage, type SiteStep } from "../pages/mini-program-page.js";
import type { EmulatorState } from "../state.js";

const HOME_PAGE = "pages/index/index";

/**
 * The phone's mini-program panel: what a wxacode's URL opens. Scanning is
 * opening it, as with the QR login's phone page.
 */
export function miniProgramPanelRoutes(state: EmulatorState): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();

  const panelFor = (
    appid: string,
    input: Record<string, unknown>,
  ): Omit<MiniProgramPanel, "selected"> | undefined => {
    const app = state.apps.get(appid);
    if (app?.kind !== "mini-program") return undefined;
    const text = (name: string) => (typeof input[name] === "string" ? (input[name] as string) : "");
    return {
      appid,
      appName: app.name,
      page: text("page") || app.pages?.[0] || HOME_PAGE,
      // WeChat hands the page its scene URL-encoded (spec B.5).
      scene: encodeURIComponent(text("scene")),
      envVersion: text("env_version") || "release",
      users: [...state.users.values()],
      server: app.server,
    };
  };

  routes.get("/mini-program/:appid", (c) => {
    const panel = panelFor(c.req.param("appid"), c.req.query());
    if (!panel) return c.html(errorPage("小程序不存在", "Unknown mini program."), 404);
    return c.html(miniProgramPage({ ...panel, selected: state.defaultUser().id }));
  });

  routes.post("/mini-program/:appid", async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const panel = panelFor(c.req.param("appid"), form);
    if (!panel) return c.html(errorPage("小程序不存在", "Unknown mini program."), 404);
    const userId =
      typeof form.userId === "string" && state.users.has(form.userId) ? form.userId : state.defaultUser().id;
    if (typeof form.action === "string" && form.action.startsWith("site-") && panel.server) {
      const scene = typeof form.scene === "string" ? form.scene : "";
      const site = await siteStep(panel.appid, panel.server, userId, scene, form.action);
      return c.html(miniProgramPage({ ...panel, selected: userId, site }));
    }
    const issued =
      form.action === "phone"
        ? { kind: "phone_code" as const, value: state.miniProgram.phoneCodes.issue(panel.appid, userId) }
        : { kind: "js_code" as const, value: state.miniProgram.issue(panel.appid, userId) };
    return c.html(miniProgramPage({ ...panel, selected: userId, issued }));
  });

  /** What the developer's mini-program page does for a button: wx.login + scan, or confirm/refuse. */
  async function siteStep(
    appid: string,
    server: string,
    userId: string,
    scene: string,
    action: string,
  ): Promise<SiteStep> {
    const key = `${appid}\n${userId}`;
    if (action === "site-scan") {
      const code = state.miniProgram.issue(appid, userId);
      const answer = await callSite(server, "/miniprogram/scan", { code, scene });
      if (answer.status === 200 && typeof answer.body.token === "string") {
        state.miniProgram.siteTokens.set(key, answer.body.token);
        return {
          kind: "scanned",
          siteName: String(answer.body.siteName ?? ""),
          requestedAt: Number(answer.body.requestedAt ?? 0),
        };
      }
      return failed(answer.status, answer.body);
    }
    const decision = action === "site-allow" ? "allow" : "deny";
    const answer = await callSite(
      server,
      "/miniprogram/confirm",
      { scene, decision },
      state.miniProgram.siteTokens.get(key),
    );
    if (answer.status === 200) return { kind: "answered", status: String(answer.body.status ?? "") };
    return failed(answer.status, answer.body);
  }

  return routes;
}

function failed(httpStatus: number, body: Record<string, unknown>): SiteStep {
  return {
    kind: "failed",
    httpStatus,
    error: String(body.error ?? "error"),
    message: typeof body.message === "string" ? body.message : "",
  };
}
