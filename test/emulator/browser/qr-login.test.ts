import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { answerOnPhone, launchChromium, requireChromium } from "../../support/browser.js";

const chromiumCheck = await requireChromium();

const APPID = "wx8f3a6b2c1d0e4f57";
const SECRET = "3b9e2f71c4a8d6e05f1a7c3b9d2e8f40";

/** A tiny site on its own loopback port: an embedded-QR page, a redirect to qrconnect, and a callback. */
function startSite(emulatorUrl: () => string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const callback = encodeURIComponent(`${site}/callback`);
    if (url.pathname === "/embedded") {
      const selfRedirect = url.searchParams.get("self") === "1";
      response.setHeader("content-type", "text/html; charset=utf-8");
      response.end(`<!doctype html><title>Site</title>
<div id="login_container"></div>
<script src="${emulatorUrl()}/connect/zh_CN/htmledition/js/wxLogin.js"></script>
<script>
  new WxLogin({ self_redirect: ${selfRedirect}, id: "login_container", appid: "${APPID}", scope: "snsapi_login",
    redirect_uri: "${callback}", state: "embedded1", style: "black" });
</script>`);
      return;
    }
    if (url.pathname === "/login") {
      response.statusCode = 302;
      response.setHeader(
        "location",
        `${emulatorUrl()}/connect/qrconnect?appid=${APPID}&redirect_uri=${callback}&response_type=code&scope=snsapi_login&state=redirect1#wechat_redirect`,
      );
      response.end();
      return;
    }
    if (url.pathname === "/callback") {
      response.setHeader("content-type", "text/html; charset=utf-8");
      response.end(`<!doctype html><title>Callback</title><p id="landed">landed</p>`);
      return;
    }
    response.statusCode = 404;
    response.end();
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

describe.skipIf(!chromiumCheck.available)("QR login in Chromium", () => {
  let emulator: RunningEmulator;
  let site: { server: Server; url: string };
  let browser: Browser;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    site = await startSite(() => emulator.url);
    browser = await launchChromium();
  });

  beforeEach(async () => {
    await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.server.close(resolve));
    await emulator?.close();
  });

  async function exchange(code: string) {
    const query = new URLSearchParams({
      appid: APPID,
      secret: SECRET,
      code,
      grant_type: "authorization_code",
    });
    const token = await (await fetch(`${emulator.url}/sns/oauth2/access_token?${query}`)).json();
    const info = await (
      await fetch(`${emulator.url}/sns/userinfo?access_token=${token.access_token}&openid=${token.openid}`)
    ).json();
    return info.nickname as string;
  }

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    return context.newPage();
  }

  it("embedded QR (wxLogin.js): scan, 请在手机上确认, allow → the top window lands on the callback with code and state", async () => {
    const page = await newPage();
    await page.goto(`${site.url}/embedded`);
    const frame = page.frameLocator("#login_container iframe");
    const qr = frame.locator("#wx-qr");
    await expect.poll(() => qr.getAttribute("data-status")).toBe("waiting");
    const phoneUrl = await qr.getAttribute("data-phone-url");
    expect(phoneUrl).toMatch(new RegExp(`^${emulator.url}/_emulator/phone/[0-9a-f-]{36}$`));
    expect(await frame.locator("img.qr").getAttribute("src")).toMatch(/^data:image\/png;base64,/);

    // Opening the phone page is the scan; the QR page must show the confirm prompt before anyone decides.
    const phoneContext = await browser.newContext();
    const phone = await phoneContext.newPage();
    await phone.goto(phoneUrl!);
    await expect.poll(() => qr.getAttribute("data-status")).toBe("scanned");
    expect(await frame.locator("#wx-status").textContent()).toBe("扫描成功，请在手机上确认");
    await phone.check('input[name="userId"][value="lily"]');
    await phone.click("#allow");
    await phone.waitForSelector('#phone-result[data-status="confirmed"]');
    await phoneContext.close();

    await page.waitForURL(/\/callback\?/);
    const landed = new URL(page.url());
    expect(landed.origin).toBe(site.url);
    expect(landed.searchParams.get("state")).toBe("embedded1");
    const code = landed.searchParams.get("code");
    expect(code).toBeTruthy();
    expect(await exchange(code!)).toBe("Lily 🌸");
    await page.context().close();
  });

  it("embedded QR with self_redirect: only the iframe navigates", async () => {
    const page = await newPage();
    await page.goto(`${site.url}/embedded?self=1`);
    const qr = page.frameLocator("#login_container iframe").locator("#wx-qr");
    const phoneUrl = await qr.getAttribute("data-phone-url");
    expect(await answerOnPhone(browser, phoneUrl!, "allow", "zhangsan")).toBe("confirmed");
    await expect
      .poll(
        () =>
          page
            .frames()
            .find((frame) => frame !== page.mainFrame())
            ?.url() ?? "",
      )
      .toMatch(new RegExp(`^${site.url}/callback\\?code=[^&]+&state=embedded1$`));
    expect(page.url()).toBe(`${site.url}/embedded?self=1`);
    await page.context().close();
  });

  it("plain qrconnect redirect: 拒绝 lands on the callback with state only", async () => {
    const page = await newPage();
    await page.goto(`${site.url}/login`);
    expect(page.url()).toMatch(new RegExp(`^${emulator.url}/connect/qrconnect\\?`));
    // The uuid can also be found through the control API, as a test without DOM access would.
    const uuid = await page.locator("#wx-qr").getAttribute("data-uuid");
    const tickets = await (await fetch(`${emulator.url}/_emulator/tickets`)).json();
    expect(tickets.tickets[0].uuid).toBe(uuid);
    expect(await answerOnPhone(browser, `${emulator.url}${tickets.tickets[0].phonePath}`, "deny")).toBe(
      "refused",
    );
    await page.waitForURL(/\/callback\?/);
    expect(page.url()).toBe(`${site.url}/callback?state=redirect1`);
    await page.context().close();
  });

  it("plain qrconnect redirect: allow lands with code and state", async () => {
    const page = await newPage();
    await page.goto(`${site.url}/login`);
    const phoneUrl = await page.locator("#wx-qr").getAttribute("data-phone-url");
    expect(await answerOnPhone(browser, phoneUrl!, "allow", "zhangsan")).toBe("confirmed");
    await page.waitForURL(/\/callback\?/);
    const landed = new URL(page.url());
    expect(landed.searchParams.get("state")).toBe("redirect1");
    expect(await exchange(landed.searchParams.get("code")!)).toBe("张三");
    await page.context().close();
  });

  it("an expired QR shows 二维码已失效 and 刷新 brings a fresh one", async () => {
    const page = await newPage();
    await page.goto(`${site.url}/login`);
    const qr = page.locator("#wx-qr");
    const first = await qr.getAttribute("data-uuid");
    expect(await page.locator("#wx-refresh").isVisible()).toBe(false);
    await fetch(`${emulator.url}/_emulator/clock/advance`, {
      method: "POST",
      body: JSON.stringify({ seconds: 300 }),
    });
    await expect.poll(() => qr.getAttribute("data-status"), { timeout: 10_000 }).toBe("expired");
    expect(await page.locator("#wx-status").textContent()).toBe("二维码已失效");
    expect(await page.locator("#wx-refresh").isVisible()).toBe(true);
    // The dead QR is dimmed behind the overlay that holds the refresh button.
    expect(await page.locator("#wx-expired").isVisible()).toBe(true);
    expect(
      Number(await page.locator("img.qr").evaluate((image) => getComputedStyle(image).opacity)),
    ).toBeLessThan(0.5);
    const [overlay, image] = await Promise.all([
      page.locator("#wx-expired").boundingBox(),
      page.locator("img.qr").boundingBox(),
    ]);
    expect(overlay).toEqual(image);
    await page.click("#wx-refresh");
    await expect.poll(() => page.locator("#wx-qr").getAttribute("data-uuid")).not.toBe(first);
    await expect.poll(() => page.locator("#wx-qr").getAttribute("data-status")).toBe("waiting");
    await page.context().close();
  });
});
