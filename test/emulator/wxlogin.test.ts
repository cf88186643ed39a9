import { runInNewContext } from "node:vm";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { useEmulator } from "./helpers.js";

const h = useEmulator();

interface FakeFrame {
  src: string;
  attributes: Record<string, string>;
  setAttribute(name: string, value: string): void;
}

/** Runs the script against a minimal DOM and returns the iframe it created. */
function runWxLogin(script: string, options: Record<string, unknown>): FakeFrame | undefined {
  const children: FakeFrame[] = [];
  const container = { innerHTML: "old", appendChild: (child: FakeFrame) => children.push(child) };
  const window: Record<string, unknown> = {};
  const document = {
    getElementById: (id: string) => (id === "login_container" ? container : null),
    createElement: () => {
      const frame: FakeFrame = {
        src: "",
        attributes: {},
        setAttribute(name, value) {
          this.attributes[name] = value;
        },
      };
      return frame;
    },
  };
  runInNewContext(script, { window, document });
  const WxLogin = window.WxLogin as new (options: Record<string, unknown>) => unknown;
  new WxLogin(options);
  expect(container.innerHTML).toBe("");
  return children[0];
}

describe("wxLogin.js", () => {
  it.each(["/connect/zh_CN/htmledition/js/wxLogin.js", "/wxLogin.js"])(
    "%s renders an iframe of this emulator's qrconnect with WxLogin's options",
    async (path) => {
      const response = await h.get(path);
      expect(response.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
      const frame = runWxLogin(await response.text(), {
        self_redirect: true,
        id: "login_container",
        appid: h.website.appid,
        scope: "snsapi_login",
        redirect_uri: encodeURIComponent("http://127.0.0.1:8080/cb?x=1"),
        state: "abc",
        style: "white",
        href: "https://example.com/qr.css",
      });
      expect(frame?.src).toBe(
        `${h.url}/connect/qrconnect?appid=${h.website.appid}&scope=snsapi_login` +
          "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb%3Fx%3D1&state=abc&login_type=jssdk" +
          "&self_redirect=true&style=white&href=https%3A%2F%2Fexample.com%2Fqr.css",
      );
      expect(frame?.attributes.sandbox).toBe("allow-scripts allow-top-navigation allow-same-origin");
      // The iframe URL is a working QR page.
      const page = await (await fetch(frame!.src)).text();
      expect(page).toMatch(/data-uuid="[0-9a-f-]{36}"/);
      expect(page).toContain('data-self-redirect="true"');
    },
  );

  it("defaults self_redirect to false (the top window navigates)", async () => {
    const frame = runWxLogin(await (await h.get("/wxLogin.js")).text(), {
      id: "login_container",
      appid: h.website.appid,
      scope: "snsapi_login",
      redirect_uri: encodeURIComponent("http://localhost/cb"),
      state: "s",
    });
    expect(frame?.src).toContain("&self_redirect=false&");
    const page = await (await fetch(frame!.src)).text();
    expect(page).toContain('data-self-redirect="false"');
  });

  it("takes its origin from the Host the script was requested with", async () => {
    const { body } = await request(`${h.url}/wxLogin.js`, { headers: { host: "192.168.1.20:3001" } });
    expect(await body.text()).toContain('var ORIGIN = "http://192.168.1.20:3001";');
  });
});
