import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { DEFAULT_OPEN_ACCOUNT } from "../../src/emulator/defaults.js";
import { unionidFor } from "../../src/emulator/ids.js";
import { nginxConfig, parsePublicRoute, parseRoster } from "../../src/gateway/index.js";
import type { Store } from "../../src/stores/types.js";
import { STORE_KINDS } from "../security/support.js";
import { freePort } from "../support/ports.js";

import {
  EchoUpstream,
  GatewayBrowser,
  type GatewayHarness,
  loginThrough,
  raw,
  startGatewayHarness,
} from "./harness.js";
import { type RunningNginx, requireNginx, startNginx } from "./nginx.js";

const nginx = await requireNginx();

/** A request with header lines exactly as given (duplicates, underscores), which fetch and undici would tidy. */
function rawLines(url: string, lines: [string, string][]): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: [["Host", target.host], ...lines].flat() as unknown as Record<string, string>,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

for (const kind of STORE_KINDS) {
  const service = nginx.available ? await kind.check() : nginx;
  describe.skipIf(!service.available)(`through Debian's nginx (auth_request), on ${kind.name}`, () => {
    let upstream: EchoUpstream;
    let harness: GatewayHarness;
    let front: RunningNginx;
    let site: string;
    let opened: Store;
    let cleanup: () => Promise<void>;
    const zhang = unionidFor(DEFAULT_OPEN_ACCOUNT, "zhangsan");

    beforeAll(async () => {
      upstream = await new EchoUpstream().start();
      const open = await kind.open();
      opened = open.store;
      cleanup = open.cleanup;
      const port = await freePort();
      site = `http://127.0.0.1:${port}`;
      harness = await startGatewayHarness(open.store, {
        port: await freePort(),
        publicOrigin: site,
        trustProxy: "127.0.0.1",
        roster: parseRoster(`users:\n  ${zhang}:\n    name: Zhang San\n    groups: [ops]\n`),
        publicRoutes: [parsePublicRoute("GET:/public")],
      });
      const config = nginxConfig({
        gateway: new URL(harness.gateway.url).host,
        upstream: upstream.hostPort,
        prefix: "/_wl",
        host: "127.0.0.1",
        sessionCookie: "wl_session",
      });
      front = await startNginx(port, config);
    });

    afterAll(async () => {
      await front?.stop();
      await harness?.close();
      await upstream?.close();
      await opened?.close();
      await cleanup?.();
    });

    it("a navigation is sent to the login, comes back to the exact URL, and the backend sees the identity", async () => {
      const browser = new GatewayBrowser();
      const { back } = await loginThrough(browser, harness.emulator.url, `${site}/orders?page=2&q=x`);
      expect(back).toBe(`${site}/orders?page=2&q=x`);
      const page = await browser.get(back, { headers: { "x-auth-request-user": "mallory" } });
      expect(page.status).toBe(200);
      const seen = upstream.last();
      expect(seen.url).toBe("/orders?page=2&q=x");
      expect(seen.headers["x-auth-request-user"]).toBe(zhang);
      expect(seen.headers["x-auth-request-preferred-username"]).toBe("Zhang San");
      expect(seen.headers["x-auth-request-groups"]).toBe("ops");
      expect(seen.headers["x-wechat-unionid"]).toBe(zhang);
      // nginx never answered 500 for a 3xx of ours.
      expect(front.errors()).not.toContain("auth request unexpected status");
    });

    it("a script gets nginx's 401 JSON, a page the 302, and the in-WeChat browser the official account", async () => {
      const api = await raw(`${site}/api/x`, { headers: { "sec-fetch-mode": "cors" } });
      expect(api.status).toBe(401);
      expect(await api.json()).toEqual({ error: "login_required" });
      const xhr = await raw(`${site}/api/x`, {
        headers: { accept: "text/html", "x-requested-with": "XMLHttpRequest" },
      });
      expect(xhr.status).toBe(401);
      const page = await raw(`${site}/x`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(302);
      expect(page.headers.get("location")).toBe(`${site}/_wl/login?returnTo=%2Fx`);
      expect(page.headers.getSetCookie().length).toBeLessThanOrEqual(1);
      const inWeChat = new GatewayBrowser("Mozilla/5.0 MicroMessenger/8.0.49");
      const { authorize, back } = await loginThrough(inWeChat, harness.emulator.url, `${site}/in-app`);
      expect(new URL(authorize).pathname).toBe("/connect/oauth2/authorize");
      await inWeChat.get(back);
      expect(upstream.last().headers["x-auth-request-user"]).toBe(zhang);
    });

    it("identity headers from the client never reach the backend: any case, underscores, duplicates, public routes", async () => {
      const browser = new GatewayBrowser();
      await loginThrough(browser, harness.emulator.url, `${site}/spoof`);
      const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
      expect(
        await rawLines(`${site}/spoof`, [
          ["Cookie", cookie],
          ["X-Auth-Request-User", "mallory"],
          ["x-auth-request-user", "mallory2"],
          ["X_Auth_Request_User", "mallory3"],
          ["X-Forwarded-User", "mallory4"],
          ["X-WeChat-UnionID", "mallory5"],
        ]),
      ).toBe(200);
      const headers = upstream.last().headers;
      expect(headers["x-auth-request-user"]).toBe(zhang);
      expect(headers.x_auth_request_user).toBeUndefined();
      expect(headers["x-forwarded-user"]).toBeUndefined();
      expect(headers["x-wechat-unionid"]).toBe(zhang);
      expect(
        await rawLines(`${site}/public`, [
          ["X-Auth-Request-User", "mallory"],
          ["X-WeChat-UnionID", "mallory"],
          ["X-Auth-Request-Groups", "admin"],
        ]),
      ).toBe(200);
      const anonymous = upstream.last().headers;
      expect(anonymous["x-auth-request-user"]).toBeUndefined();
      expect(anonymous["x-wechat-unionid"]).toBeUndefined();
      expect(anonymous["x-auth-request-groups"]).toBeUndefined();
    });

    it("a POST's body reaches the backend while the auth subrequest saw a GET with X-Forwarded-Method", async () => {
      const browser = new GatewayBrowser();
      await loginThrough(browser, harness.emulator.url, `${site}/form`);
      const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
      const response = await fetch(`${site}/form`, { method: "POST", headers: { cookie }, body: "a=1&b=2" });
      expect(response.status).toBe(200);
      expect(upstream.last()).toMatchObject({ method: "POST", body: "a=1&b=2" });
      const anonymous = await fetch(`${site}/form`, { method: "POST", body: "a=1", redirect: "manual" });
      expect(anonymous.status).toBe(401);
    });

    it("websockets through nginx: the authenticated upgrade tunnels, the unauthenticated one is refused", async () => {
      const refused = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${site.replace("http:", "ws:")}/live`);
        socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
        socket.once("open", () => reject(new Error("opened without a session")));
        socket.once("error", () => undefined);
      });
      expect(refused).toBe(401);
      const browser = new GatewayBrowser();
      await loginThrough(browser, harness.emulator.url, `${site}/ws`);
      const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
      const first = await new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(`${site.replace("http:", "ws:")}/live`, { headers: { cookie } });
        socket.once("message", (data) => {
          resolve(data.toString());
          socket.close();
        });
        socket.once("error", reject);
      });
      expect(JSON.parse(first).user).toBe(zhang);
    });

    it("an unknown user gets the gateway's 403 page with their ID; the app's own 403 passes untouched", async () => {
      const browser = new GatewayBrowser("Mozilla/5.0 Chrome/156", "zh-CN");
      const { back } = await loginThrough(browser, harness.emulator.url, `${site}/members`, {
        userId: "lily",
      });
      const page = await browser.get(back, { headers: { "sec-fetch-mode": "navigate" } });
      expect(page.status).toBe(403);
      const html = await page.text();
      expect(html).toContain("没有访问权限");
      expect(html).toContain(unionidFor(DEFAULT_OPEN_ACCOUNT, "lily"));
      const api = await browser.get(`${site}/members`, { headers: { "sec-fetch-mode": "cors" } });
      expect(api.status).toBe(403);
      expect(await api.json()).toMatchObject({ error: "forbidden", reason: "not_in_roster" });
      const zhangBrowser = new GatewayBrowser();
      await loginThrough(zhangBrowser, harness.emulator.url, `${site}/mine`);
      const own = await zhangBrowser.get(`${site}/own-403`);
      expect(own.status).toBe(403);
      expect(await own.text()).toBe("the app's own 403");
    });

    it("the gateway down: nginx answers 500, nothing reaches the backend", async () => {
      const seen = upstream.seen.length;
      await harness.gateway.close();
      const response = await raw(`${site}/after`, { headers: { "sec-fetch-mode": "navigate" } });
      expect(response.status).toBe(500);
      expect(upstream.seen.length).toBe(seen);
    });
  });
}
