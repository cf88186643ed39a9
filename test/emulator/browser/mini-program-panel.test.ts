import jsQRModule from "jsqr";
import type { Browser } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { launchChromium, requireChromium } from "../../support/browser.js";

const chromiumCheck = await requireChromium();
// jsqr is CommonJS with its function as both module.exports and .default; its types see only the latter.
const jsQR = jsQRModule.default;

describe.skipIf(!chromiumCheck.available)("the phone's mini-program panel in Chromium", () => {
  let emulator: RunningEmulator;
  let browser: Browser;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await emulator?.close();
  });

  it("scanning a wxacode opens the page with query.scene, and its wx.login() code logs in", async () => {
    const app = emulator.apps.find((candidate) => candidate.kind === "mini-program");
    if (!app) throw new Error("no mini program");
    const token = await fetch(`${emulator.url}/cgi-bin/stable_token`, {
      method: "POST",
      body: JSON.stringify({ grant_type: "client_credential", appid: app.appid, secret: app.secret }),
    }).then(async (response) => String((await response.json()).access_token));
    const image = await fetch(`${emulator.url}/wxa/getwxacodeunlimit?access_token=${token}`, {
      method: "POST",
      body: JSON.stringify({ scene: "t=9&id=Ab1", page: "pages/login/confirm" }),
    }).then(async (response) => PNG.sync.read(Buffer.from(await response.arrayBuffer())));
    const target = jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? "";

    const context = await browser.newContext({ viewport: { width: 375, height: 667 } });
    try {
      const phone = await context.newPage();
      await phone.goto(target);
      expect(await phone.textContent("#mp-scene")).toBe("t%3D9%26id%3DAb1");
      expect(await phone.textContent("#mp-scene-decoded")).toBe("t=9&id=Ab1");
      expect(await phone.getAttribute("#mp-page", "data-page")).toBe("pages/login/confirm");
      await phone.check('input[name="userId"][value="lily"]');
      await phone.click("#mp-login");
      await phone.waitForSelector("#mp-issued");
      // The page the button leads back to keeps the scene and the page.
      expect(await phone.textContent("#mp-scene-decoded")).toBe("t=9&id=Ab1");
      const jsCode = (await phone.textContent("#mp-issued")) ?? "";
      const query = new URLSearchParams({
        appid: app.appid,
        secret: app.secret,
        js_code: jsCode,
        grant_type: "authorization_code",
      });
      const session = await (await fetch(`${emulator.url}/sns/jscode2session?${query}`)).json();
      expect(session).toMatchObject({ openid: expect.any(String), session_key: expect.any(String) });
    } finally {
      await context.close();
    }
  });
});
