import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFollowLogin } from "../../examples/follow-login.js";
import { memoryStore } from "../../src/stores/memory.js";
import { FRAMEWORKS, freePort } from "../adapters/sites.js";
import { confirmOnPhone, control, type FollowWorld, HttpBrowser, startWorld } from "./support.js";

let world: FollowWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.emulator.close();
});
beforeEach(async () => {
  await control(world, "POST", "/reset");
});

// docs/follow-login.md's example, mounted by every framework's own example server as its guide says.
describe.each(FRAMEWORKS)("follow to log in on %s", (_name, start) => {
  it.each([
    ["safe", "json"],
    ["plain", "xml"],
  ] as const)("receives %s %s pushes and logs in by code and by QR", async (mode, format) => {
    const port = await freePort();
    const login = createFollowLogin(
      {
        WECHAT_APPID: world.website.appid,
        WECHAT_SECRET: world.website.secret,
        WECHAT_REDIRECT_URI: `http://localhost:${port}/auth/callback`,
        SESSION_SECRET: "x".repeat(40),
        MP_APPID: world.officialAccount.appid,
        MP_SECRET: world.officialAccount.secret,
        MP_TOKEN: world.console.token,
        MP_ENCODING_AES_KEY: mode === "plain" ? undefined : world.console.encodingAesKey,
        MP_ORIGINAL_ID: world.console.originalId,
        MP_SERVICE_ACCOUNT: "1",
        WECHAT_OPEN_BASE: world.emulator.url,
        WECHAT_API_BASE: world.emulator.url,
        WECHAT_MP_BASE: world.emulator.url,
      },
      memoryStore(),
    );
    const site = await start({ port, login });
    try {
      const saved = await control(world, "PUT", `/mp/${world.officialAccount.appid}`, {
        serverUrl: `${site.url}/auth/mp/events`,
        mode,
        format,
      });
      expect(saved.status).toBe(200);
      for (const variant of ["code", "qr"] as const) {
        const browser = new HttpBrowser();
        const answer = await browser.get(`${site.url}/auth/follow?variant=${variant}`, {
          headers: { accept: "application/json" },
        });
        const started = await answer.json();
        const delivered = await confirmOnPhone(world, started, "lily", variant === "qr");
        expect(delivered.body).toMatchObject({ delivered: true, attempts: 1 });
        const polled = await (await browser.get(`${site.url}${started.pollUrl}`)).json();
        expect(polled).toEqual({ status: "confirmed", redirect: "/" });
        const session = await (await browser.get(`${site.url}/auth/session`)).json();
        expect(session.identity.appid).toBe(world.officialAccount.appid);
      }
    } finally {
      await site.close();
      await login.close();
    }
  });
});
