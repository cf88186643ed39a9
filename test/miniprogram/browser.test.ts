import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useDemo } from "../demo/fixture.js";
import { launchChromium, requireChromium } from "../support/browser.js";
import { readWxaCode } from "./support.js";

const chromiumCheck = await requireChromium();

describe.skipIf(!chromiumCheck.available)("scan the mini-program code, in Chromium", () => {
  const demo = useDemo({ beforeAll, afterAll });
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("the demo's mini-program code, scanned and confirmed in the emulator's mini program, logs the website in", async () => {
    const website = await browser.newContext();
    const phone = await browser.newContext({ viewport: { width: 375, height: 667 } });
    try {
      const page = await website.newPage();
      await page.goto(`${demo().url}/`);
      await page.click("#login-miniprogram");
      await page.waitForURL(`${demo().url}/miniprogram`);
      const link = page.locator("#mp-phone-link");
      await link.waitFor({ state: "visible" });
      expect(await page.getAttribute("#mp-status", "data-status")).toBe("waiting");
      // What a phone reads from the picture is what the page links to.
      const image = (await page.getAttribute("#mp-code-image", "src")) ?? "";
      const scanned = readWxaCode(image);
      const href = new URL((await link.getAttribute("href")) ?? "");
      expect(href.pathname).toBe(scanned.pathname);
      expect(href.searchParams.get("scene")).toBe(scanned.searchParams.get("scene"));

      const mini = await phone.newPage();
      await mini.goto(scanned.toString());
      await mini.check('input[name="userId"][value="zhangsan"]');
      await mini.click("#mp-site-scan");
      expect(await mini.textContent("#mp-site-name")).toBe("wechat-login demo");
      await page.waitForSelector('#mp-status[data-status="scanned"]');
      await mini.click("#mp-site-allow");
      expect(await mini.getAttribute("#mp-site-result", "data-status")).toBe("confirmed");
      await page.waitForURL(`${demo().url}/profile`);
      expect(await page.textContent("#user-id")).toMatch(/\S/);
      const session = await page.request.get(`${demo().url}/auth/session`);
      expect(((await session.json()) as { identity: { appid: string } }).identity.appid).toBe(
        scanned.pathname.split("/").pop(),
      );
    } finally {
      await website.close();
      await phone.close();
    }
  });
});
