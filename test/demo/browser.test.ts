import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningDemo } from "../../src/cli/demo-server.js";
import { answerOnPhone, launchChromium, phoneUrlOf, requireChromium } from "../support/browser.js";
import { useDemo } from "./fixture.js";

const chromiumCheck = await requireChromium();
const screenshots = resolve(import.meta.dirname, "../../test-results");

describe.skipIf(!chromiumCheck.available)("the demo in Chromium", () => {
  const currentDemo = useDemo({ beforeAll, afterAll });
  let demo: RunningDemo;
  let browser: Browser;

  beforeAll(async () => {
    demo = currentDemo();
    browser = await launchChromium();
    await mkdir(screenshots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("logs in by redirect to the QR page, shows the profile, and logs out", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${demo.url}/`);
    await page.click("#login-redirect");
    await page.waitForURL(/\/connect\/qrconnect\?/);
    expect(await answerOnPhone(browser, await phoneUrlOf(page.locator("#wx-qr")), "allow")).toBe("confirmed");
    await page.waitForURL(`${demo.url}/profile`);
    expect(await page.textContent("#nickname")).toBe("Lily 🌸");
    expect(await page.locator("#what-just-happened li").count()).toBe(5);
    expect(await page.textContent("#what-just-happened h2")).toBe("What just happened");
    // The page's CSS arrives as written: the quoted font names parse, so the text is not in the serif fallback.
    expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toContain("PingFang SC");
    await page.screenshot({ path: join(screenshots, "demo-profile.png"), fullPage: true });

    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === "wl_session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Lax");

    await page.goto(`${demo.url}/auth/logout`);
    await page.click("#logout");
    await page.waitForURL(`${demo.url}/`);
    expect(await page.isVisible("#login-redirect")).toBe(true);
    const after = await page.request.get(`${demo.url}/auth/session`);
    expect(after.status()).toBe(401);
    await context.close();
  });

  it("logs in with the QR embedded in the site's own page (WxLogin.js)", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${demo.url}/`);
    await page.click("#login-embedded");
    await page.waitForURL(`${demo.url}/embedded`);
    const qr = page.frameLocator("#login_container iframe").locator("#wx-qr");
    const inFrame = await phoneUrlOf(qr);
    // The emulator's phone link, shown by the site's page itself, outside the small iframe.
    const outside = page.locator("#phone-link");
    await outside.waitFor({ state: "visible" });
    expect(await outside.getAttribute("href")).toBe(inFrame);
    expect(await answerOnPhone(browser, inFrame, "allow", "zhangsan")).toBe("confirmed");
    await page.waitForURL(`${demo.url}/profile`);
    expect(await page.textContent("#nickname")).toBe("张三");
    await context.close();
  });

  it("shows the cancelled page when the user refuses on the phone, and stays logged out", async () => {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    await page.goto(`${demo.url}/`);
    await page.click("#login-redirect");
    await page.waitForURL(/\/connect\/qrconnect\?/);
    expect(await answerOnPhone(browser, await phoneUrlOf(page.locator("#wx-qr")), "deny")).toBe("refused");
    await page.waitForURL(/\/auth\/callback\?/);
    expect(await page.getAttribute("main", "data-outcome")).toBe("login_cancelled");
    expect(await page.textContent("h1")).toBe("已取消登录");
    expect(new URL(page.url()).searchParams.has("code")).toBe(false);
    const session = await page.request.get(`${demo.url}/auth/session`);
    expect(session.status()).toBe(401);
    await context.close();
  });
});
