import type { Server } from "node:http";
import express from "express";
import session from "express-session";
import Koa from "koa";
import koaPassport from "koa-passport";
import koaSession from "koa-session";
import { Passport } from "passport";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginRoutes, requireSession } from "../../src/adapters/express.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { createLogin, type Login } from "../../src/flow/index.js";
import { type WeChatAuthInfo, type WeChatProfile, WeChatStrategy } from "../../src/integrations/passport.js";
import { memoryStore } from "../../src/stores/memory.js";
import type { Store } from "../../src/stores/types.js";
import { CookieClient, freePort, SESSION_SECRET } from "../adapters/sites.js";
import { STORE_KINDS, useStore } from "../security/support.js";
import { confirmOnPhone } from "../support/confirm.js";

const IN_WECHAT = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

/** A login for a site on `port` whose WeChat (website app and official account) is the emulator. */
function loginFor(port: number, store: Store = memoryStore()): Login {
  const website = emulator.apps.find((app) => app.kind === "website" && app.openAccount)!;
  const officialAccount = emulator.apps.find((app) => app.kind === "official-account" && app.openAccount)!;
  return createLogin({
    appid: website.appid,
    secret: website.secret,
    redirectUri: `http://localhost:${port}/auth/callback`,
    openBase: emulator.url,
    apiBase: emulator.url,
    sessionSecret: SESSION_SECRET,
    store,
    officialAccount: { appid: officialAccount.appid, secret: officialAccount.secret },
  });
}

interface AppUser {
  id: string;
  name: string;
  openid: string;
}

function listen(app: express.Express | Koa, port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(port, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A browser starting a login at `start`: WeChat's authorize URL, the phone confirms, the callback URL. */
async function toCallback(
  browser: CookieClient,
  start: string,
): Promise<{ authorize: string; callback: string }> {
  const started = await browser.request(start);
  expect(started.status).toBe(302);
  const authorize = started.headers.get("location")!;
  return { authorize, callback: await confirmOnPhone(emulator.url, authorize) };
}

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(
    `Passport strategy in Express, with express-session, on ${kind.name}`,
    () => {
      const backing = useStore(kind, { beforeAll, afterAll });
      let server: Server;
      let login: Login;
      let siteUrl: string;
      const verified: WeChatProfile[] = [];
      let refuse = false;

      beforeAll(async () => {
        const port = await freePort();
        siteUrl = `http://localhost:${port}`;
        login = loginFor(port, backing());
        const passport = new Passport();
        passport.use(
          new WeChatStrategy({ login }, (profile, done) => {
            verified.push(profile);
            if (refuse) done(null, false, { message: "not invited" });
            else done(null, { id: profile.id, name: profile.displayName, openid: profile.identity.openid });
          }),
        );
        passport.serializeUser((user, done) => done(null, JSON.stringify(user)));
        passport.deserializeUser((text: string, done) => done(null, JSON.parse(text) as AppUser));
        const app = express();
        app.use(session({ secret: SESSION_SECRET, resave: false, saveUninitialized: false }));
        app.use(passport.session());
        app.get("/login/wechat", passport.authenticate("wechat"));
        app.get(
          "/auth/callback",
          passport.authenticate("wechat", { failureRedirect: "/login-failed" }),
          (req, res) => res.redirect((req.authInfo as WeChatAuthInfo).returnTo),
        );
        app.use(loginRoutes(login));
        app.get("/me", (req, res) => {
          if (!req.user) res.status(401).json({ error: "not_logged_in" });
          else res.json(req.user);
        });
        server = await listen(app, port);
      });
      afterAll(async () => {
        await close(server);
        await login.close();
      });

      it("logs in end to end: a browser-bound state, WeChat's QR page, the callback, the Passport session", async () => {
        const browser = new CookieClient(siteUrl);
        expect((await browser.request("/me")).status).toBe(401);
        const started = await browser.request("/login/wechat?returnTo=%2Fme");
        expect(started.status).toBe(302);
        // The state is the flow's: bound to this browser by its pre-login cookie, with the security headers.
        expect(browser.cookies.has("wl_login")).toBe(true);
        expect(started.headers.get("cache-control")).toBe("no-store");
        expect(started.headers.get("referrer-policy")).toBe("no-referrer");
        const authorize = started.headers.get("location")!;
        expect(authorize.startsWith(`${emulator.url}/connect/qrconnect?`)).toBe(true);
        const callback = await confirmOnPhone(emulator.url, authorize);
        expect(callback.startsWith(`${siteUrl}/auth/callback?`)).toBe(true);

        const landed = await browser.request(callback);
        expect(landed.status).toBe(302);
        expect(landed.headers.get("location")).toBe("/me");
        expect(landed.headers.get("referrer-policy")).toBe("no-referrer");
        // Passport's session (express-session) and the flow's session, the pre-login cookie cleared.
        expect(browser.cookies.has("connect.sid")).toBe(true);
        expect(browser.cookies.has("wl_session")).toBe(true);
        expect(browser.cookies.has("wl_login")).toBe(false);

        const me = await browser.request("/me");
        expect(me.status).toBe(200);
        const user = (await me.json()) as AppUser;
        expect(user.name).toBe(emulator.users[0]!.nickname);
        const profile = verified.at(-1)!;
        expect(profile.provider).toBe("wechat");
        expect(profile.identity.appid).toBe(login.appid);
        expect(user.openid).toBe(profile.identity.openid);
        // The id is our user id, never a bare unionid or openid.
        expect(profile.id).not.toBe(profile.unionid);
        expect(profile.id).not.toBe(profile.identity.openid);
        expect((await browser.request("/auth/session")).status).toBe(200);

        // The same browser arriving twice (prefetch, back button) is sent on, not failed.
        const again = await browser.request(callback);
        expect(again.status).toBe(302);
        expect(again.headers.get("location")).toBe("/me");

        // Another browser replaying the spent link fails through Passport's failureRedirect.
        const other = new CookieClient(siteUrl);
        const replay = await other.request(callback);
        expect(replay.status).toBe(302);
        expect(replay.headers.get("location")).toBe("/login-failed");
        expect(other.cookies.has("connect.sid")).toBe(false);
      });

      it("never completes a login started in another browser (the state is bound to the browser)", async () => {
        const victim = new CookieClient(siteUrl);
        const attacker = new CookieClient(siteUrl);
        const { callback } = await toCallback(attacker, "/login/wechat");
        // The attacker's link, opened by the victim who has a login of their own under way.
        await victim.request("/login/wechat");
        const opened = await victim.request(callback);
        expect(opened.status).toBe(302);
        expect(opened.headers.get("location")).toBe("/login-failed");
        expect((await victim.request("/me")).status).toBe(401);
      });

      it("inside WeChat's browser, goes through the official account", async () => {
        const phone = new CookieClient(siteUrl);
        const started = await phone.request("/login/wechat", { headers: { "user-agent": IN_WECHAT } });
        expect(started.status).toBe(302);
        const authorize = new URL(started.headers.get("location")!);
        expect(authorize.pathname).toBe("/connect/oauth2/authorize");
        const callback = await confirmOnPhone(emulator.url, authorize.toString());
        expect(new URL(callback).pathname).toBe("/auth/callback/mp");
      });

      it("fails with Passport's failure handling when verify refuses the user", async () => {
        refuse = true;
        try {
          const browser = new CookieClient(siteUrl);
          const { callback } = await toCallback(browser, "/login/wechat");
          const landed = await browser.request(callback);
          expect(landed.status).toBe(302);
          expect(landed.headers.get("location")).toBe("/login-failed");
          expect((await browser.request("/me")).status).toBe(401);
        } finally {
          refuse = false;
        }
      });

      it("a malformed callback fails without reaching WeChat or verify", async () => {
        const before = verified.length;
        const browser = new CookieClient(siteUrl);
        const landed = await browser.request("/auth/callback?state=short&code=x");
        expect(landed.headers.get("location")).toBe("/login-failed");
        expect(verified.length).toBe(before);
      });
    },
  );
}

describe("Passport strategy in Express, with the flow's own sessions (session: false)", () => {
  let server: Server;
  let login: Login;
  let siteUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    siteUrl = `http://localhost:${port}`;
    login = loginFor(port);
    const passport = new Passport();
    passport.use(new WeChatStrategy({ login, name: "weixin" }, async (profile) => ({ id: profile.id })));
    const app = express();
    app.get("/login", passport.authenticate("weixin", { session: false }));
    app.get("/auth/callback", passport.authenticate("weixin", { session: false }), (req, res) =>
      res.redirect((req.authInfo as WeChatAuthInfo).returnTo),
    );
    app.use(loginRoutes(login));
    app.get("/me", requireSession(login), (req, res) => res.json(req.wechatSession?.user));
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(503).json({ error: "login_failed" });
    });
    server = await listen(app, port);
  });
  afterAll(async () => {
    await close(server);
    await login.close();
  });

  it("logs in and the flow's session serves the app, then logs out", async () => {
    const browser = new CookieClient(siteUrl);
    const { callback } = await toCallback(browser, "/login?returnTo=%2Fme");
    const landed = await browser.request(callback);
    expect(landed.status).toBe(302);
    expect(landed.headers.get("location")).toBe("/me");
    const me = await browser.request("/me");
    expect(me.status).toBe(200);
    expect(((await me.json()) as { nickname: string }).nickname).toBe(emulator.users[0]!.nickname);
    const logout = await browser.request("/auth/logout", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "returnTo=%2F",
    });
    expect(logout.status).toBe(303);
    expect((await browser.request("/me")).status).toBe(401);
  });

  it("a login WeChat cannot finish (the code exchange fails) reaches Express's error handler, not a hang", async () => {
    const browser = new CookieClient(siteUrl);
    const { callback } = await toCallback(browser, "/login?returnTo=%2Fme");
    await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpoint: "/sns/oauth2/access_token", kind: "errcode", errcode: -1 }),
    });
    const landed = await browser.request(callback);
    expect(landed.status).toBe(503);
    expect(await landed.json()).toEqual({ error: "login_failed" });
  });
});

describe("Passport strategy in Koa, through koa-passport and koa-session", () => {
  let server: Server;
  let login: Login;
  let siteUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    siteUrl = `http://localhost:${port}`;
    login = loginFor(port);
    koaPassport.use(
      new WeChatStrategy({ login }, (profile, done) =>
        done(null, { id: profile.id, name: profile.displayName }),
      ),
    );
    koaPassport.serializeUser((user, done) => done(null, JSON.stringify(user)));
    koaPassport.deserializeUser((text: string, done) => done(null, JSON.parse(text) as AppUser));
    const app = new Koa();
    app.keys = [SESSION_SECRET];
    app.use(koaSession({}, app));
    app.use(koaPassport.initialize());
    app.use(koaPassport.session());
    app.use(async (ctx, next) => {
      if (ctx.path === "/login/wechat") return koaPassport.authenticate("wechat")(ctx, next);
      if (ctx.path === "/auth/callback") {
        return koaPassport.authenticate("wechat", { failureRedirect: "/login-failed" })(ctx, async () => {
          ctx.redirect((ctx.state as { authInfo?: WeChatAuthInfo }).authInfo?.returnTo ?? "/");
        });
      }
      if (ctx.path === "/me") {
        if (ctx.isAuthenticated()) ctx.body = ctx.state.user;
        else ctx.status = 401;
        return;
      }
      await next();
    });
    server = await listen(app, port);
  });
  afterAll(async () => {
    await close(server);
    await login.close();
  });

  it("logs in end to end and the Koa session holds the user", async () => {
    const browser = new CookieClient(siteUrl);
    expect((await browser.request("/me")).status).toBe(401);
    const started = await browser.request("/login/wechat?returnTo=%2Fme");
    expect(browser.cookies.has("wl_login")).toBe(true);
    expect(started.headers.get("referrer-policy")).toBe("no-referrer");
    const callback = await confirmOnPhone(emulator.url, started.headers.get("location")!);
    const landed = await browser.request(callback);
    expect(landed.status).toBe(302);
    expect(browser.cookies.has("koa.sess")).toBe(true);
    expect(browser.cookies.has("wl_login")).toBe(false);
    const me = await browser.request("/me");
    expect(me.status).toBe(200);
    expect(((await me.json()) as AppUser).name).toBe(emulator.users[0]!.nickname);

    const replay = await new CookieClient(siteUrl).request(callback);
    expect(replay.status).toBe(302);
    expect(replay.headers.get("location")).toBe("/login-failed");
  });
});
