import "reflect-metadata";
import { Controller, Get, Header, Inject, Module, UseGuards } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import type { NestExpressApplication } from "@nestjs/platform-express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import type { Login, LoginSession } from "../../src/flow/index.js";
import {
  WECHAT_LOGIN,
  WeChatAuthGuard,
  WeChatLoginModule,
  WeChatSession,
  WeChatUser,
} from "../../src/integrations/nestjs.js";
import { CookieClient, emulatorLogin, freePort } from "../adapters/sites.js";
import { confirmOnPhone } from "../support/confirm.js";

// Decorators applied as calls, as compiled TypeScript applies them: vitest's transform emits no decorator metadata.
function method(target: object, name: string, ...decorators: MethodDecorator[]) {
  const descriptor = Object.getOwnPropertyDescriptor(target, name)!;
  for (const decorate of decorators) decorate(target, name, descriptor);
}

class AppController {
  constructor(readonly login: Login) {}
  home() {
    return `prefix ${this.login.routePrefix}`;
  }
  me(user: LoginSession["user"]) {
    return user;
  }
  identity(session: LoginSession) {
    return session.identity;
  }
}
Controller()(AppController);
Inject(WECHAT_LOGIN)(AppController, undefined, 0);
method(AppController.prototype, "home", Get(), Header("content-type", "text/plain"));
method(AppController.prototype, "me", Get("me"), UseGuards(WeChatAuthGuard));
WeChatUser()(AppController.prototype, "me", 0);
method(AppController.prototype, "identity", Get("identity"), UseGuards(WeChatAuthGuard));
WeChatSession()(AppController.prototype, "identity", 0);

/** A config module, as an app's `ConfigModule` would provide the port the factory needs. */
const SITE_PORT = "SITE_PORT";
class SiteConfigModule {}

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

describe("WeChatLoginModule in a Nest app (Express platform)", () => {
  let app: NestExpressApplication;
  let siteUrl: string;
  let login: Login | undefined;
  let closed = 0;

  beforeAll(async () => {
    const port = await freePort();
    siteUrl = `http://localhost:${port}`;
    Module({ providers: [{ provide: SITE_PORT, useValue: port }], exports: [SITE_PORT] })(SiteConfigModule);
    class AppModule {}
    Module({
      imports: [
        WeChatLoginModule.forRootAsync({
          imports: [SiteConfigModule],
          inject: [SITE_PORT],
          useFactory: async (sitePort: number) => {
            const made = emulatorLogin(emulator, sitePort);
            const close = made.close.bind(made);
            login = {
              ...made,
              close: async () => {
                closed += 1;
                await close();
              },
            };
            return login;
          },
        }),
      ],
      controllers: [AppController],
    })(AppModule);
    app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: false });
    await app.listen(port);
  });
  afterAll(async () => {
    await app?.close();
  });

  it("serves the login routes, guards a route, hands the user to @WeChatUser()", async () => {
    const browser = new CookieClient(siteUrl);
    // The factory's login is the one the app injects.
    expect(await (await browser.request("/")).text()).toBe("prefix /auth");
    const refused = await browser.request("/me");
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: "not_logged_in" });
    expect((await browser.request("/auth/session")).status).toBe(401);

    const started = await browser.request("/auth/login?returnTo=%2Fme");
    expect(started.status).toBe(302);
    expect(started.headers.get("referrer-policy")).toBe("no-referrer");
    const authorize = started.headers.get("location")!;
    expect(authorize.startsWith(`${emulator.url}/connect/qrconnect?`)).toBe(true);
    const landed = await browser.request(await confirmOnPhone(emulator.url, authorize));
    expect(landed.status).toBe(302);
    expect(landed.headers.get("location")).toBe("/me");

    const me = await browser.request("/me");
    expect(me.status).toBe(200);
    const user = (await me.json()) as LoginSession["user"];
    expect(user.nickname).toBe(emulator.users[0]!.nickname);
    const identity = (await (await browser.request("/identity")).json()) as LoginSession["identity"];
    expect(identity.appid).toBe(login!.appid);

    // Nest's body parser reads the form first: the flow still gets the request whole.
    const logout = await browser.request("/auth/logout?returnTo=%2Fbye", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: siteUrl },
      body: "unused=1",
    });
    expect(logout.status).toBe(303);
    expect(logout.headers.get("location")).toBe("/bye");
    expect((await browser.request("/me")).status).toBe(401);
  });

  it("closes the login with the app", async () => {
    await app.close();
    expect(closed).toBe(1);
  });
});
