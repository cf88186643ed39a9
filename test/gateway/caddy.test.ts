import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { DEFAULT_OPEN_ACCOUNT } from "../../src/emulator/defaults.js";
import { unionidFor } from "../../src/emulator/ids.js";
import { caddyConfig, parsePublicRoute, parseRoster } from "../../src/gateway/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import { freePort } from "../support/ports.js";

import { type RunningCaddy, requireCaddy, startCaddy } from "./caddy.js";
import {
  EchoUpstream,
  GatewayBrowser,
  type GatewayHarness,
  loginThrough,
  raw,
  startGatewayHarness,
} from "./harness.js";

const caddy = await requireCaddy();

describe.skipIf(!caddy.available)("through a real Caddy (forward_auth), with the printed Caddyfile", () => {
  const store = memoryStore();
  let upstream: EchoUpstream;
  let harness: GatewayHarness;
  let front: RunningCaddy;
  let site: string;
  const zhang = unionidFor(DEFAULT_OPEN_ACCOUNT, "zhangsan");

  beforeAll(async () => {
    upstream = await new EchoUpstream().start();
    const port = await freePort();
    site = `http://127.0.0.1:${port}`;
    harness = await startGatewayHarness(store, {
      port: await freePort(),
      publicOrigin: site,
      trustProxy: "127.0.0.1",
      roster: parseRoster(`users:\n  ${zhang}:\n    groups: [ops]\n`),
      publicRoutes: [parsePublicRoute("GET:/public")],
    });
    front = await startCaddy(
      port,
      caddyConfig({
        gateway: new URL(harness.gateway.url).host,
        upstream: upstream.hostPort,
        prefix: "/_wl",
        host: site,
        sessionCookie: "wl_session",
      }),
    );
  }, 30_000);

  afterAll(async () => {
    await front?.stop();
    await harness?.close();
    await upstream?.close();
    await store.close();
  });

  it("a page is sent to the login, a script gets the 401 JSON, and after login the app sees who", async () => {
    const page = await raw(`${site}/reports?y=1`, { headers: { "sec-fetch-mode": "navigate" } });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(
      `${site}/_wl/login?returnTo=${encodeURIComponent("/reports?y=1")}`,
    );
    const api = await raw(`${site}/api`, { headers: { "sec-fetch-mode": "cors" } });
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: string }).error).toBe("login_required");
    const browser = new GatewayBrowser();
    const { back } = await loginThrough(browser, harness.emulator.url, `${site}/reports?y=1`);
    expect(back).toBe(`${site}/reports?y=1`);
    const app = await browser.get(back, { headers: { "x-auth-request-user": "mallory" } });
    expect(app.status).toBe(200);
    expect(upstream.last().headers["x-auth-request-user"]).toBe(zhang);
    expect(upstream.last().headers["x-auth-request-groups"]).toBe("ops");
  });

  it("a client's identity headers never reach the app, on a public route either", async () => {
    const spoof = {
      "x-auth-request-user": "mallory",
      "x-auth-request-email": "boss@example.com",
      "x-wechat-unionid": "mallory",
      "x-forwarded-user": "mallory",
    };
    expect((await raw(`${site}/public`, { headers: spoof })).status).toBe(200);
    // Absent, or empty where this Caddy sets a header the gateway sent empty; never a client's value.
    const headers = upstream.last().headers;
    expect(headers["x-auth-request-user"] ?? "").toBe("");
    expect(headers["x-auth-request-email"] ?? "").toBe("");
    expect(headers["x-wechat-unionid"] ?? "").toBe("");
    expect(headers["x-forwarded-user"]).toBeUndefined();
    // With a session but no e-mail in the roster: no placeholder text either.
    const browser = new GatewayBrowser();
    await loginThrough(browser, harness.emulator.url, `${site}/no-email`);
    await browser.get(`${site}/no-email`, { headers: spoof });
    expect(upstream.last().headers["x-auth-request-email"] ?? "").toBe("");
    expect(upstream.last().headers["x-auth-request-user"]).toBe(zhang);
  });

  it("a websocket upgrade tunnels with a session and is refused without", async () => {
    const ws = site.replace("http:", "ws:");
    const refused = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${ws}/live`);
      socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      socket.once("open", () => reject(new Error("opened without a session")));
      socket.once("error", () => undefined);
    });
    expect(refused).toBe(401);
    const browser = new GatewayBrowser();
    await loginThrough(browser, harness.emulator.url, `${site}/ws`);
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const first = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(`${ws}/live`, { headers: { cookie } });
      socket.once("message", (data) => {
        resolve(data.toString());
        socket.close();
      });
      socket.once("error", reject);
    });
    expect(JSON.parse(first).user).toBe(zhang);
  });
});
