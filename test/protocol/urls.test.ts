import { describe, expect, it } from "vitest";
import {
  authorizeUrl,
  InvalidArgumentError,
  qrConnectUrl,
  wxLoginOptions,
} from "../../src/protocol/index.js";

const appid = "wx0123456789abcdef";
const redirectUri = "https://example.com/auth/callback?from=home";

describe("qrConnectUrl", () => {
  it("builds WeChat's documented URL with an encoded redirect and #wechat_redirect", () => {
    const url = qrConnectUrl({ appid, redirectUri, state: "abc123", lang: "en" });
    expect(url).toBe(
      "https://open.weixin.qq.com/connect/qrconnect?appid=wx0123456789abcdef" +
        "&redirect_uri=https%3A%2F%2Fexample.com%2Fauth%2Fcallback%3Ffrom%3Dhome" +
        "&response_type=code&scope=snsapi_login&state=abc123&lang=en#wechat_redirect",
    );
  });

  it("uses the configured OPEN base, trailing slash or not", () => {
    expect(qrConnectUrl({ appid, redirectUri, state: "s", openBase: "http://127.0.0.1:3001/" })).toMatch(
      /^http:\/\/127\.0\.0\.1:3001\/connect\/qrconnect\?/,
    );
  });

  it.each([
    ["appid", { appid: "wx123" }],
    ["appid", { appid: "" }],
    ["state", { state: "has space" }],
    ["state", { state: "a#b" }],
    ["state", { state: "x".repeat(129) }],
    ["redirectUri", { redirectUri: "/relative" }],
    ["redirectUri", { redirectUri: "javascript:alert(1)" }],
    ["redirectUri", { redirectUri: "https://example.com/#/callback" }],
  ])("rejects a bad %s with a typed error naming it", (argument, override) => {
    const call = () => qrConnectUrl({ appid, redirectUri, state: "ok", ...override });
    expect(call).toThrow(InvalidArgumentError);
    try {
      call();
    } catch (error) {
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
  });
});

describe("authorizeUrl", () => {
  it("keeps WeChat's parameter order and adds connect_redirect=1 by default", () => {
    const url = authorizeUrl({ appid, redirectUri, scope: "snsapi_userinfo", state: "s1" });
    const search = url.slice(url.indexOf("?") + 1, url.indexOf("#"));
    expect(search.split("&").map((pair) => pair.split("=")[0])).toEqual([
      "appid",
      "redirect_uri",
      "response_type",
      "scope",
      "state",
      "connect_redirect",
    ]);
    expect(url.endsWith("#wechat_redirect")).toBe(true);
    expect(url.startsWith("https://open.weixin.qq.com/connect/oauth2/authorize?")).toBe(true);
  });

  it("puts forcePopup before connect_redirect and can omit connect_redirect", () => {
    const url = authorizeUrl({
      appid,
      redirectUri,
      scope: "snsapi_base",
      state: "s1",
      forcePopup: true,
      connectRedirect: false,
    });
    expect(url).toContain("&scope=snsapi_base&state=s1&forcePopup=true#wechat_redirect");
  });

  it("rejects a scope other than snsapi_base / snsapi_userinfo", () => {
    expect(() =>
      authorizeUrl({ appid, redirectUri, scope: "snsapi_login" as "snsapi_base", state: "s" }),
    ).toThrow(/scope/);
  });
});

describe("wxLoginOptions", () => {
  it("returns WxLogin.js's own field names with an encoded redirect_uri", () => {
    expect(
      wxLoginOptions({ id: "login_container", appid, redirectUri, state: "st", style: "white" }),
    ).toEqual({
      self_redirect: false,
      id: "login_container",
      appid,
      scope: "snsapi_login",
      redirect_uri: encodeURIComponent(redirectUri),
      state: "st",
      style: "white",
    });
  });

  it("rejects a container id that is not an element id and a non-https-ish href", () => {
    expect(() => wxLoginOptions({ id: "#x", appid, redirectUri, state: "s" })).toThrow(/"id"/);
    expect(() =>
      wxLoginOptions({ id: "x", appid, redirectUri, state: "s", href: "data:text/css,x" }),
    ).toThrow(/"href"/);
  });
});
