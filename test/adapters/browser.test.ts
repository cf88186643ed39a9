import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start } from "../../examples/express/server.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import type { Login } from "../../src/flow/index.js";
import { answerOnPhone, launchChromium, phoneUrlOf, requireChromium } from "../support/browser.js";
import { emulatorLogin, freePort, type Site } from "./sites.js";

const chromiumCheck = await requireChromium();

// One framework in a real browser is enough: the others differ only in the adapter, which the cookie-jar
// test covers; this one proves the cookies, redirects and form post work as a browser sends them.
describe.skipIf(!chromiumCheck.available)("the Express example in Chromium", () => {
  let emulator: RunningEmulator;
  let login: Login;
  let site: Site;
  let browser: Browser;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    const port = await freePort();
    login = emulatorLogin(emulator, port);
    site = await start({ port, login });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await login?.close();
    await emulator?.close();
  });

  it("logs in on the QR page, confirmed on the phone, shows the user, and logs out", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.url}/`);
    await page.getByRole("link", { name: "Log in with WeChat" }).click();
    await page.waitForURL((url) => url.href.startsWith(`${emulator.url}/connect/qrconnect?`));

    const phoneUrl = await phoneUrlOf(page.locator("#wx-qr"));
    expect(await answerOnPhone(browser, phoneUrl, "allow", "zhangsan")).toBe("confirmed");
    await page.waitForURL(`${site.url}/`);
    expect(await page.textContent("body")).toContain("Hello 张三");

    const cookies = await context.cookies(site.url);
    expect(cookies.map((cookie) => cookie.name)).toEqual(["wl_session"]);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    const session = await page.request.get(`${site.url}/auth/session`);
    expect(session.status()).toBe(200);
    const body = (await session.json()) as { user: { nickname: string }; identity: { appid: string } };
    expect(body.user.nickname).toBe("张三");
    expect(body.identity.appid).toBe(login.appid);

    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(`${site.url}/`);
    await expect.poll(() => page.getByRole("link", { name: "Log in with WeChat" }).isVisible()).toBe(true);
    expect(await context.cookies(site.url)).toEqual([]);
    expect((await page.request.get(`${site.url}/auth/session`)).status()).toBe(401);
    await context.close();
    // Two browser contexts and five page loads: ~10 s alone on 2 cores, more beside a Next.js build.
  }, 60_000);
});
