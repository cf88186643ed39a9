import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/emulator/defaults.js";
import { launchChromium, requireChromium } from "../support/browser.js";
import { HttpBrowser } from "../support/http-browser.js";
import { useDemo } from "./fixture.js";

const demo = useDemo({ beforeAll, afterAll });
const officialAccount = DEFAULT_CONFIG.apps.find((app) => app.kind === "official-account")!;

describe("the demo's follow to log in", () => {
  it("offers both variants, and logs in by sending the code to the Official Account", async () => {
    const site = demo();
    const home = await (await fetch(`${site.url}/`)).text();
    expect(home).toContain('id="follow-qr"');
    expect(home).toContain('id="follow-code"');
    const browser = new HttpBrowser();
    const started = await browser.get(`${site.url}/auth/follow?variant=code&returnTo=%2Fprofile`, {
      headers: { accept: "application/json" },
    });
    const { code, pollUrl } = (await started.json()) as { code: string; pollUrl: string };
    const phone = (action: string, body: object) =>
      fetch(`${site.emulatorUrl}/_emulator/mp/${officialAccount.appid}/${action}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: "noavatar", ...body }),
      }).then((response) => response.json());
    await phone("follow", {});
    const sent = await phone("text", { content: code });
    expect(sent).toMatchObject({ delivered: true });
    expect(sent.replyText).toContain("你正在登录 localhost");
    const confirmed = await (await browser.get(`${site.url}${pollUrl}`)).json();
    expect(confirmed).toEqual({ status: "confirmed", redirect: "/profile" });
    const profile = await (await browser.get(`${site.url}/profile`)).text();
    expect(profile).toContain('id="openid"');
  });
});

const chromiumCheck = await requireChromium();
const screenshots = resolve(import.meta.dirname, "../../test-results");

describe.skipIf(!chromiumCheck.available)("the demo's follow page in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
    await mkdir(screenshots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the QR, and lands on the profile once the phone scans and follows", async () => {
    const site = demo();
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    await page.goto(`${site.url}/`);
    await page.click("#follow-qr");
    await page.waitForURL(/\/auth\/follow\?variant=qr/);
    const qr = page.locator("#qr");
    // The image is WeChat's (the emulator's) showqrcode, allowed by the page's CSP.
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await page.screenshot({ path: join(screenshots, "demo-follow.png"), fullPage: true });
    const phoneUrl = await qr.getAttribute("data-qr-url");
    expect(phoneUrl).toMatch(/\/q\//);

    const phoneContext = await browser.newContext({ viewport: { width: 375, height: 667 } });
    const phone = await phoneContext.newPage();
    await phone.goto(phoneUrl!);
    await phone.check('input[name="userId"][value="zhangsan"]');
    await phone.click("#mp-scan-follow");
    await phone.waitForSelector("#mp-result");
    expect(await phone.textContent("#mp-result")).toContain("你正在登录");
    await phoneContext.close();

    await page.waitForURL(`${site.url}/profile`, { timeout: 10_000 });
    expect(await page.textContent("#openid")).toMatch(/^o/);
    expect(await page.textContent("#unionid")).toMatch(/^o/);
    await context.close();
  });
});
