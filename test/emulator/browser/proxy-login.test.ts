import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as connectTls } from "node:tls";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";
import { CHROMIUM, requireChromium } from "../../support/browser.js";

// A site written for real WeChat — WeChat's own script URL and hosts, nothing of the emulator's — logs in
// through Chromium whose only change is the proxy: QR page, long poll, phone page all on WeChat's host names.

const chromiumCheck = await requireChromium();
const APPID = "wx8f3a6b2c1d0e4f57";

/** The base64 SHA-256 of the key the proxy's certificates carry, verified against the CA first. */
async function proxyKeyPin(proxyUrl: string, caPath: string): Promise<string> {
  const { hostname, port } = new URL(proxyUrl);
  const raw = connectTcp(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    raw.once("error", reject);
    raw.write("CONNECT open.weixin.qq.com:443 HTTP/1.1\r\nHost: open.weixin.qq.com:443\r\n\r\n");
    raw.once("data", (chunk) => (chunk.toString().startsWith("HTTP/1.1 200") ? resolve() : reject(chunk)));
  });
  const ca = await readFile(caPath, "utf8");
  const secure = connectTls({ socket: raw, servername: "open.weixin.qq.com", ca });
  await new Promise<void>((resolve, reject) => secure.once("secureConnect", resolve).once("error", reject));
  // Only a certificate the CA vouches for reaches here (rejectUnauthorized is on).
  const spki = secure.getPeerX509Certificate()?.publicKey.export({ type: "spki", format: "der" });
  secure.destroy();
  return createHash("sha256")
    .update(spki ?? Buffer.alloc(0))
    .digest("base64");
}

function startSite(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const callback = encodeURIComponent(`${site}/callback`);
    response.setHeader("content-type", "text/html; charset=utf-8");
    if (url.pathname === "/embedded") {
      response.end(`<!doctype html><title>Site</title><div id="login_container"></div>
<script src="https://res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js"></script>
<script>new WxLogin({ id: "login_container", appid: "${APPID}", scope: "snsapi_login",
  redirect_uri: "${callback}", state: "embedded9" });</script>`);
      return;
    }
    if (url.pathname === "/login") {
      response.statusCode = 302;
      response.setHeader(
        "location",
        `https://open.weixin.qq.com/connect/qrconnect?appid=${APPID}&redirect_uri=${callback}&response_type=code&scope=snsapi_login&state=chromium9#wechat_redirect`,
      );
      response.end();
      return;
    }
    response.end(`<!doctype html><title>Callback</title><p id="landed">landed</p>`);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

describe.skipIf(!chromiumCheck.available)(
  "Chromium through the emulator's proxy, on WeChat's host names",
  () => {
    let caDir: string;
    let emulator: RunningEmulator;
    let site: { server: Server; url: string };
    let browser: Browser;

    beforeAll(async () => {
      caDir = await mkdtemp(join(tmpdir(), "emulator-ca-"));
      emulator = await startEmulator({ port: 0, proxy: { port: 0, caDir } });
      site = await startSite();
      const proxy = emulator.proxy!;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--no-first-run",
          // Chromium has no CA file flag; it trusts the key the CA-verified certificates carry instead.
          `--ignore-certificate-errors-spki-list=${await proxyKeyPin(proxy.url, proxy.caCertPath)}`,
          `--proxy-server=${proxy.url}`,
        ],
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      if (site) await new Promise((resolve) => site.server.close(resolve));
      await emulator?.close();
      if (caDir) await rm(caDir, { recursive: true, force: true });
    });

    async function scanAndAllow(phoneUrl: string) {
      const phoneContext = await browser.newContext();
      const phone = await phoneContext.newPage();
      await phone.goto(phoneUrl);
      await phone.check('input[name="userId"][value="lily"]');
      await phone.click("#allow");
      await phone.waitForSelector('#phone-result[data-status="confirmed"]');
      await phoneContext.close();
    }

    it("redirect QR login: qrconnect on open.weixin.qq.com, the phone page, back on the site with a code", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${site.url}/login`);
      expect(new URL(page.url()).origin).toBe("https://open.weixin.qq.com");
      const qr = page.locator("#wx-qr");
      await expect.poll(() => qr.getAttribute("data-status")).toBe("waiting");
      const phoneUrl = (await qr.getAttribute("data-phone-url")) ?? "";
      expect(phoneUrl).toMatch(/^https:\/\/open\.weixin\.qq\.com\/_emulator\/phone\/[0-9a-f-]{36}$/);
      await scanAndAllow(phoneUrl);
      await page.waitForURL(/\/callback\?/);
      const landed = new URL(page.url());
      expect(landed.origin).toBe(site.url);
      expect(landed.searchParams.get("state")).toBe("chromium9");
      expect(landed.searchParams.get("code")).toBeTruthy();
      await context.close();
    });

    it("embedded QR from WeChat's own wxLogin.js URL on res.wx.qq.com", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${site.url}/embedded`);
      const qr = page.frameLocator("#login_container iframe").locator("#wx-qr");
      await expect.poll(() => qr.getAttribute("data-status")).toBe("waiting");
      await scanAndAllow((await qr.getAttribute("data-phone-url")) ?? "");
      await page.waitForURL(/\/callback\?/);
      expect(new URL(page.url()).searchParams.get("state")).toBe("embedded9");
      await context.close();
    });
  },
);
