import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_OPEN_ACCOUNT } from "../../src/emulator/defaults.js";
import { unionidFor } from "../../src/emulator/ids.js";
import { nginxConfig } from "../../src/gateway/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import { answerOnPhone, launchChromium, phoneUrlOf, requireChromium } from "../support/browser.js";
import { freePort } from "../support/ports.js";

import { EchoUpstream, type GatewayHarness, startGatewayHarness } from "./harness.js";
import { type RunningNginx, requireNginx, startNginx } from "./nginx.js";

const chromium = await requireChromium();
const nginx = chromium.available ? await requireNginx() : chromium;

describe.skipIf(!nginx.available)("Chromium logs in through nginx to an app that echoes the identity", () => {
  const store = memoryStore();
  let upstream: EchoUpstream;
  let harness: GatewayHarness;
  let front: RunningNginx;
  let browser: Browser;
  let site: string;

  beforeAll(async () => {
    upstream = await new EchoUpstream().start();
    const port = await freePort();
    site = `http://127.0.0.1:${port}`;
    harness = await startGatewayHarness(store, {
      port: await freePort(),
      publicOrigin: site,
      trustProxy: "127.0.0.1",
    });
    front = await startNginx(
      port,
      nginxConfig({
        gateway: new URL(harness.gateway.url).host,
        upstream: upstream.hostPort,
        prefix: "/_wl",
        host: "127.0.0.1",
        sessionCookie: "wl_session",
      }),
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await front?.stop();
    await harness?.close();
    await upstream?.close();
    await store.close();
  });

  it("a script's fetch gets 401 JSON, the page goes through WeChat's QR and back to the exact URL", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // A page the gateway serves, so the fetch below is same-origin and carries Chromium's own Fetch Metadata.
    await page.goto(`${site}/_wl/ping`);
    const api = await page.evaluate(async () => {
      const response = await fetch("/api/orders");
      return { status: response.status, body: await response.text() };
    });
    expect(api).toEqual({ status: 401, body: '{"error":"login_required"}' });

    await page.goto(`${site}/dashboard?tab=2`);
    await page.waitForURL(/\/connect\/qrconnect\?/);
    expect(await answerOnPhone(browser, await phoneUrlOf(page.locator("#wx-qr")), "allow")).toBe("confirmed");
    await page.waitForURL(`${site}/dashboard?tab=2`);
    const seen = JSON.parse((await page.textContent("body")) ?? "{}") as {
      url: string;
      headers: Record<string, string>;
    };
    expect(seen.url).toBe("/dashboard?tab=2");
    expect(seen.headers["x-auth-request-user"]).toBe(unionidFor(DEFAULT_OPEN_ACCOUNT, "lily"));
    expect(seen.headers["x-wechat-unionid"]).toBe(unionidFor(DEFAULT_OPEN_ACCOUNT, "lily"));
    const session = (await context.cookies()).find((cookie) => cookie.name === "wl_session");
    expect(session?.httpOnly).toBe(true);

    // Logged in, the same fetch reaches the app.
    const after = await page.evaluate(async () => (await fetch("/api/orders")).status);
    expect(after).toBe(200);
    await context.close();
  });
});
