import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginRoutes, requireSession } from "../../src/adapters/hono.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import type { Login } from "../../src/flow/index.js";
import { bearerReachesTheApp, loginAndLogOut } from "./scenario.js";
import { emulatorLogin, FRAMEWORKS, freePort, type Site } from "./sites.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

describe.each(FRAMEWORKS)("%s example: the whole login against the emulator", (_name, start) => {
  let site: Site;
  let login: Login;

  beforeAll(async () => {
    const port = await freePort();
    login = emulatorLogin(emulator, port);
    site = await start({ port, login });
  });
  afterAll(async () => {
    await site.close();
    await login.close();
  });

  it("logs in, serves the session to the app, and logs out", async () => {
    await loginAndLogOut(site.url, emulator, login.appid);
  });

  it("lets the mini program's bearer token through requireSession, and logs it out", async () => {
    await bearerReachesTheApp(site.url, emulator);
  });
});

describe("Hono with middleware that edits each answer's headers after the login routes", () => {
  // The login's answers reach @hono/node-server as a header record it writes as is; a middleware that
  // touches c.res.headers turns that record into Headers first, and the two Set-Cookie values of a
  // login must survive that as two headers, not one joined by a comma.
  it("logs in with both Set-Cookie headers intact and the middleware's headers added", async () => {
    const port = await freePort();
    const login = emulatorLogin(emulator, port);
    const app = new Hono();
    app.use(secureHeaders());
    app.use(async (c, next) => {
      await next();
      c.res.headers.set("x-request-id", "login-test");
    });
    app.use(loginRoutes(login));
    app.get("/me", requireSession(login), (c) => c.json(c.get("wechatSession").user));
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const listening = serve({ fetch: app.fetch, port }, () => resolve(listening));
    });
    try {
      const siteUrl = `http://localhost:${port}`;
      await loginAndLogOut(siteUrl, emulator, login.appid);
      const started = await fetch(`${siteUrl}/auth/login`, { redirect: "manual" });
      expect(started.headers.get("x-request-id")).toBe("login-test");
      expect(started.headers.get("cache-control")).toBe("no-store");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await login.close();
    }
  });
});
