import { Hono } from "hono";
import type { EmulatorEnv } from "./env.js";
import { isApiPath } from "./faults.js";
import { newRid } from "./ids.js";
import { emulatorSteps } from "./middleware.js";
import { errorPage } from "./pages/layout.js";
import { callbackRoutes } from "./routes/callback.js";
import { cgiBinRoutes } from "./routes/cgi-bin.js";
import { controlRoutes } from "./routes/control.js";
import { ticketControlRoutes } from "./routes/control-tickets.js";
import { miniProgramControlRoutes } from "./routes/mini-program-control.js";
import { miniProgramPanelRoutes } from "./routes/mini-program-panel.js";
import { mpApiRoutes } from "./routes/mp-api.js";
import { mpControlRoutes } from "./routes/mp-control.js";
import { mpPhoneRoutes } from "./routes/mp-phone.js";
import { oauthAuthorizeRoutes } from "./routes/oauth-authorize.js";
import { phoneRoutes } from "./routes/phone.js";
import { qrConnectRoutes } from "./routes/qrconnect.js";
import { snsRoutes } from "./routes/sns.js";
import { wxaRoutes } from "./routes/wxa.js";
import { wxLoginRoutes } from "./routes/wxlogin.js";
import { EmulatorState, type EmulatorStateOptions } from "./state.js";
import { apiError, apiJson } from "./wechat-response.js";

/** The emulator as a Hono app plus the state behind it, for embedding or in-process tests. */
export interface EmulatorHonoApp {
  app: Hono<EmulatorEnv>;
  state: EmulatorState;
}

/**
 * Builds the emulator without listening anywhere.
 * @example
 * const { app } = createEmulatorApp();
 * const res = await app.request("/_emulator/state");
 */
export function createEmulatorApp(options: EmulatorStateOptions = {}): EmulatorHonoApp {
  const state = new EmulatorState(options);
  const app = new Hono<EmulatorEnv>();
  app.use(emulatorSteps(state));
  app.route("/", snsRoutes(state));
  app.route("/", cgiBinRoutes(state));
  app.route("/", mpApiRoutes(state));
  app.route("/", mpPhoneRoutes(state));
  app.route("/_emulator", mpControlRoutes(state));
  app.route("/", wxaRoutes(state));
  app.route("/_emulator", controlRoutes(state));
  app.route("/_emulator", ticketControlRoutes(state));
  app.route("/_emulator", phoneRoutes(state));
  app.route("/_emulator", miniProgramControlRoutes(state));
  app.route("/_emulator", miniProgramPanelRoutes(state));
  app.route("/_emulator", callbackRoutes());
  app.route("/", qrConnectRoutes(state));
  app.route("/", oauthAuthorizeRoutes(state));
  app.route("/", wxLoginRoutes());

  app.notFound((c) => {
    if (isApiPath(c.req.path)) return apiError(c, state, 40066, "invalid url");
    if (c.req.path.startsWith("/_emulator/")) return c.json({ error: "not_found" }, 404);
    return c.html(errorPage("页面不存在", "Page not found."), 404);
  });

  // WeChat never shows a stack trace: API callers get errcode -1 with a rid, browsers an error page.
  app.onError((error, c) => {
    const rid = newRid(state.clock.now());
    console.error(`[wechat-login emulator] ${c.req.method} ${c.req.path} failed (rid ${rid})`, error);
    if (isApiPath(c.req.path)) return apiJson(c, { errcode: -1, errmsg: `system error, rid: ${rid}` });
    if (c.req.path.startsWith("/_emulator/")) return c.json({ error: "internal_error", rid }, 500);
    return c.html(errorPage("系统错误", `System error. rid: ${rid}`), 200);
  });
  return { app, state };
}
