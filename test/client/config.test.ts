import { inspect } from "node:util";
import { Agent } from "undici";
import { describe, expect, it } from "vitest";
import { ConfigError, ErrorCode, WeChatClient, type WeChatClientOptions } from "../../src/client/index.js";
import { APPID, caughtSync, SECRET } from "./support.js";

const valid: WeChatClientOptions = { appid: APPID, secret: SECRET };

function configError(options: unknown): ConfigError {
  const error = caughtSync(() => new WeChatClient(options as WeChatClientOptions));
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("WeChatClient options", () => {
  it.each([
    ["appid", { secret: SECRET }],
    ["appid", { ...valid, appid: "wx123" }],
    ["appid", { ...valid, appid: "xx0123456789abcdef" }],
    ["appid", { ...valid, appid: 42 }],
    ["secret", { appid: APPID }],
    ["secret", { ...valid, secret: "" }],
    ["secret", { ...valid, secret: "short" }],
    ["secret", { ...valid, secret: `${SECRET.slice(0, 16)} ${SECRET.slice(17)}` }],
    ["apiBase", { ...valid, apiBase: "api.weixin.example" }],
    ["apiBase", { ...valid, apiBase: "ftp://127.0.0.1" }],
    ["apiBase", { ...valid, apiBase: "http://127.0.0.1/?x=1" }],
    ["openBase", { ...valid, openBase: "/relative" }],
    ["connections", { ...valid, connections: 0 }],
    ["connections", { ...valid, connections: 1.5 }],
    ["timeouts.connectMs", { ...valid, timeouts: { connectMs: -1 } }],
    ["timeouts.headersMs", { ...valid, timeouts: { headersMs: "10" } }],
    ["timeouts.bodyMs", { ...valid, timeouts: { bodyMs: Number.NaN } }],
    ["timeouts.totalMs", { ...valid, timeouts: { totalMs: 0 } }],
    ["retry.attempts", { ...valid, retry: { attempts: 0 } }],
    ["retry.baseDelayMs", { ...valid, retry: { baseDelayMs: -5 } }],
    ["retry.maxDelayMs", { ...valid, retry: { maxDelayMs: Number.POSITIVE_INFINITY } }],
    ["maxBodyBytes", { ...valid, maxBodyBytes: -1 }],
    ["dispatcher", { ...valid, dispatcher: {} }],
    ["now", { ...valid, now: 5 }],
  ])("names %s when it is missing or malformed", (field, options) => {
    const error = configError(options);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`"${field}"`);
    expect(error.code).toBe(ErrorCode.Config);
  });

  it("rejects a missing options object", () => {
    expect(configError(undefined).field).toBe("options");
  });

  it("never echoes a malformed secret", () => {
    const almost = `${SECRET} `;
    const error = configError({ ...valid, secret: almost });
    expect(inspect(error)).not.toContain(SECRET);
  });

  it("accepts the documented options", async () => {
    const dispatcher = new Agent();
    const client = new WeChatClient({
      ...valid,
      apiBase: "http://127.0.0.1:3001/",
      openBase: "http://127.0.0.1:3001",
      connections: 4,
      timeouts: { connectMs: 100, headersMs: 100, bodyMs: 100, totalMs: 500 },
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      maxBodyBytes: 1024,
      dispatcher,
      now: () => 0,
    });
    expect(client.appid).toBe(APPID);
    expect(client.stats()).toEqual({});
    await client.close();
    await dispatcher.close();
  });

  it("hides the secret from util.inspect, console output and JSON", () => {
    const client = new WeChatClient(valid);
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(SECRET);
    expect(inspect(client)).toContain(APPID);
    expect(JSON.stringify(client)).not.toContain(SECRET);
    expect(JSON.parse(JSON.stringify(client))).toEqual({
      appid: APPID,
      apiBase: "https://api.weixin.qq.com/",
      openBase: "https://open.weixin.qq.com",
    });
    expect(Object.values(client).join(" ")).not.toContain(SECRET);
  });
});

describe("URL helpers bound to the client", () => {
  const client = new WeChatClient({ ...valid, openBase: "http://127.0.0.1:3001" });
  const redirectUri = "https://example.com/auth/callback";

  it("builds qrconnect with the client's appid and OPEN base", () => {
    expect(client.qrConnectUrl({ redirectUri, state: "abc" })).toBe(
      `http://127.0.0.1:3001/connect/qrconnect?appid=${APPID}&redirect_uri=https%3A%2F%2Fexample.com%2Fauth%2Fcallback&response_type=code&scope=snsapi_login&state=abc#wechat_redirect`,
    );
  });

  it("builds oauth2/authorize for both scopes", () => {
    for (const scope of ["snsapi_base", "snsapi_userinfo"] as const) {
      const url = new URL(client.authorizeUrl({ redirectUri, scope, state: "abc" }));
      expect(url.pathname).toBe("/connect/oauth2/authorize");
      expect(url.searchParams.get("scope")).toBe(scope);
      expect(url.searchParams.get("appid")).toBe(APPID);
    }
  });

  it("fills WxLogin options with the client's appid", () => {
    expect(client.wxLoginOptions({ id: "login", redirectUri, state: "abc" })).toMatchObject({
      appid: APPID,
      id: "login",
      scope: "snsapi_login",
      redirect_uri: encodeURIComponent(redirectUri),
    });
  });
});
