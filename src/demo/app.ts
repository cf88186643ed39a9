import { Hono } from "hono";
import { connectionOf, loginRoutes } from "../adapters/hono.js";
import { type Login, pickLang, RateLimited, StoreUnavailable } from "../flow/index.js";
import { accessLog, type DemoLogger } from "./access-log.js";
import { canonicalOrigin } from "./canonical-origin.js";
import { embeddedPage, homePage, miniProgramPage, profilePage } from "./pages.js";
import type { LoginTraces } from "./trace.js";

export interface DemoOptions {
  /** Writes one access-log line per request (URLs redacted); none without it. */
  logger?: DemoLogger | undefined;
  /** The login's steps (its `onEvent`) for the profile page's "what just happened". */
  traces?: LoginTraces | undefined;
  /**
   * The origin of the login's callback (`redirectUri`): a browser on another
   * loopback name for it (127.0.0.1 for localhost) is sent there first.
   */
  siteOrigin?: string | undefined;
  /**
   * The emulator's phone panel of the mini program (`…/_emulator/mini-program/{appid}?page=…`):
   * the mini-program page links to it with the code's scene, as a phone would open it by scanning.
   */
  miniProgramPanel?: string | undefined;
  /** Offer "follow the Official Account to log in" (the login has `officialAccount.followLogin`). */
  followLogin?: boolean | undefined;
}

/**
 * The demo site `wechat-login start` serves: home, login by redirect, by
 * embedded QR and by the mini-program code, a profile page and logout.
 */
export function createDemoApp(login: Login, options: DemoOptions = {}): Hono {
  const prefix = login.routePrefix;
  const app = new Hono();
  if (options.logger) app.use(accessLog(options.logger));
  if (options.siteOrigin) app.use(canonicalOrigin(options.siteOrigin));
  app.use(loginRoutes(login));
  const withMiniProgram = login.miniprogram.appid !== undefined;
  app.get("/", async (c) =>
    c.html(
      homePage(pickLang(c.req.raw), await login.getSession(c.req.raw), prefix, {
        miniProgram: withMiniProgram,
        follow: options.followLogin === true,
      }),
    ),
  );
  if (withMiniProgram) {
    app.get("/miniprogram", (c) => {
      c.header("cache-control", "no-store");
      return c.html(miniProgramPage(pickLang(c.req.raw), prefix, options.miniProgramPanel));
    });
  }
  app.get("/profile", async (c) => {
    const session = await login.getSession(c.req.raw);
    if (!session) return c.redirect(`${prefix}/login?returnTo=%2Fprofile`);
    const steps = options.traces?.latestOf(session.user.id) ?? [];
    return c.html(profilePage(pickLang(c.req.raw), session, prefix, steps));
  });
  app.get("/embedded", async (c) => {
    const embedded = await login.embeddedLogin(c.req.raw, {
      containerId: "login_container",
      returnTo: "/profile",
      ...connectionOf(c),
    });
    c.header("set-cookie", embedded.setCookie);
    c.header("cache-control", "no-store");
    return c.html(embeddedPage(pickLang(c.req.raw), embedded.scriptUrl, embedded.options));
  });
  app.onError((error, c) => {
    if (error instanceof RateLimited) {
      c.header("retry-after", String(error.retryAfterSeconds));
      return c.text("Too many login attempts, try again later / 登录请求过于频繁，请稍后再试", 429);
    }
    const status = error instanceof StoreUnavailable ? 503 : 500;
    return c.text(
      status === 503 ? "Service unavailable / 服务暂时不可用" : "Internal error / 内部错误",
      status,
    );
  });
  return app;
}
