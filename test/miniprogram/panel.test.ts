import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore } from "../../src/stores/memory.js";
import { appsOf, SecurityBrowser, type SecuritySite, startSite, useEmulator } from "../security/support.js";
import { miniProgramOf, readWxaCode } from "./support.js";

const emulator = useEmulator({ beforeAll, afterAll });

/** A form post to the phone's mini-program panel, as its buttons send it. */
async function press(target: URL, fields: Record<string, string>): Promise<string> {
  const form = new URLSearchParams({
    page: target.searchParams.get("page") ?? "",
    scene: target.searchParams.get("scene") ?? "",
    ...fields,
  });
  const response = await fetch(`${target.origin}${target.pathname}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  expect(response.status).toBe(200);
  return response.text();
}

describe("the emulator's mini-program panel drives the developer's server", () => {
  let site: SecuritySite;
  beforeAll(async () => {
    site = await startSite({
      store: memoryStore(),
      upstream: emulator().url,
      apps: appsOf(emulator()),
      overrides: { miniProgram: { ...miniProgramOf(emulator()), siteName: "Panel Shop" } },
    });
    const set = await fetch(`${emulator().url}/_emulator/mini-program-server`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ appid: miniProgramOf(emulator()).appid, server: `${site.url}/auth` }),
    });
    expect(set.status).toBe(200);
  });
  afterAll(async () => {
    await site.close();
  });

  async function showCode() {
    const browser = new SecurityBrowser();
    const body = (await (await browser.request(`${site.url}/auth/miniprogram/qr`)).json()) as {
      attemptId: string;
      image: string;
    };
    return { browser, attemptId: body.attemptId, target: readWxaCode(body.image) };
  }
  const status = async (browser: SecurityBrowser, attemptId: string) =>
    (
      (await (await browser.request(`${site.url}/auth/miniprogram/qr/${attemptId}`)).json()) as {
        status: string;
      }
    ).status;

  it("scan shows the site's name; confirm logs the website's browser in as the picked user", async () => {
    const { browser, attemptId, target } = await showCode();
    const opened = await (await fetch(target)).text();
    expect(opened).toContain('id="mp-site-scan"');
    expect(opened).toContain(`data-server="${site.url}/auth"`);
    const scanned = await press(target, { userId: "lily", action: "site-scan" });
    expect(scanned).toContain('<strong id="mp-site-name">Panel Shop</strong>');
    expect(scanned).toContain('id="mp-site-allow"');
    expect(await status(browser, attemptId)).toBe("scanned");
    const confirmed = await press(target, { userId: "lily", action: "site-allow" });
    expect(confirmed).toContain('id="mp-site-result" data-status="confirmed"');
    expect(await status(browser, attemptId)).toBe("confirmed");
    const session = await browser.request(`${site.url}/auth/session`);
    const { appid } = miniProgramOf(emulator());
    const lily = emulator().state.openid(emulator().state.apps.get(appid)!, "lily");
    expect(((await session.json()) as { identity: unknown }).identity).toEqual({ appid, openid: lily });
  });

  it("refuse tells the website; a second scan shows the server's error code", async () => {
    const { browser, attemptId, target } = await showCode();
    await press(target, { userId: "zhangsan", action: "site-scan" });
    const refused = await press(target, { userId: "zhangsan", action: "site-deny" });
    expect(refused).toContain('data-status="refused"');
    expect(await status(browser, attemptId)).toBe("refused");
    const again = await press(target, { userId: "zhangsan", action: "site-scan" });
    expect(again).toContain('data-error="attempt_already_scanned"');
  });

  it("without a server the hook stays hidden; a bad server URL is a 400", async () => {
    const { appid } = miniProgramOf(emulator());
    const plain = await (await fetch(`${emulator().url}/_emulator/mini-program/${appid}`)).text();
    expect(plain).toContain('<section id="mp-site-actions" hidden>');
    const bad = await fetch(`${emulator().url}/_emulator/mini-program-server`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ appid, server: "javascript:alert(1)" }),
    });
    expect(bad.status).toBe(400);
  });
});
