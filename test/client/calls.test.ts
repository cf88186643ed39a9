import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WeChatApiError, type WeChatClient } from "../../src/client/index.js";
import { type Emulator, track, useEmulator } from "./emulator.js";
import { caught, sensitive } from "./support.js";

let emulator: Emulator;
let website: WeChatClient;

beforeAll(async () => {
  emulator = await useEmulator();
  website = emulator.client(emulator.website.appid);
});
beforeEach(() => emulator.reset());
afterAll(() => emulator.close());

function apiError(error: unknown): WeChatApiError {
  expect(error).toBeInstanceOf(WeChatApiError);
  return error as WeChatApiError;
}

describe("successful calls against the emulator", () => {
  it("exchanges a code for tokens, with unionid for an app bound to an Open Platform account", async () => {
    const token = track(await website.exchangeCode(await emulator.code(emulator.website.appid)));
    expect(token).toMatchObject({ expiresIn: 7200, scope: "snsapi_login", isSnapshotUser: false });
    expect(token.accessToken).toEqual(expect.any(String));
    expect(token.refreshToken).toEqual(expect.any(String));
    expect(token.openid).toMatch(/^[\w-]+$/);
    expect(token.unionid).toEqual(expect.any(String));
  });

  it("refreshes, checks and reads the user's profile", async () => {
    const token = track(await website.exchangeCode(await emulator.code(emulator.website.appid)));
    const refreshed = track(await website.refreshToken(token.refreshToken));
    expect(refreshed.openid).toBe(token.openid);
    expect(await website.checkToken(refreshed.accessToken, token.openid)).toBe(true);
    const user = await website.getUserInfo(refreshed.accessToken, token.openid, { lang: "en" });
    expect(user).toMatchObject({ openid: token.openid, nickname: "张三", unionid: token.unionid });
    expect(Array.isArray(user.privilege)).toBe(true);
  });

  it("keeps emoji nicknames", async () => {
    const token = track(
      await website.exchangeCode(await emulator.code(emulator.website.appid, { userId: "lily" })),
    );
    expect((await website.getUserInfo(token.accessToken, token.openid)).nickname).toBe("Lily 🌸");
  });

  it("logs a mini program user in with code2Session", async () => {
    const mini = emulator.client(emulator.miniProgram.appid);
    const session = track(
      await mini.code2Session(await emulator.jsCode(emulator.miniProgram.appid, "zhangsan")),
    );
    expect(session.openid).toMatch(/^[\w-]+$/);
    expect(session.sessionKey).toEqual(expect.any(String));
  });

  it("fetches the app access token by stable_token once and serves it from memory", async () => {
    const client = emulator.client(emulator.officialAccount.appid);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getAppAccessToken()));
    sensitive(tokens[0]?.accessToken);
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
    expect((await client.getAppAccessToken()).accessToken).toBe(tokens[0]?.accessToken);
    expect((await emulator.counts())["/cgi-bin/stable_token"]).toBe(1);
  });
});

describe("the client itself", () => {
  it("hides the secret from inspection even after its pools are in use", async () => {
    track(await website.exchangeCode(await emulator.code(emulator.website.appid)));
    const shown = inspect(website, { depth: Number.POSITIVE_INFINITY, showHidden: true });
    expect(shown).not.toContain(emulator.website.secret);
    expect(JSON.stringify(website)).not.toContain(emulator.website.secret);
    expect(Object.keys(website.stats())).toEqual([emulator.url]);
  });
});

describe("WeChat's own errors", () => {
  it("answers 40163 on a reused code, never retrying it", async () => {
    const code = await emulator.code(emulator.website.appid);
    track(await website.exchangeCode(code));
    const error = apiError(await caught(website.exchangeCode(code)));
    expect([error.errcode, error.reason, error.action]).toEqual([40163, "code_used", "restart_login"]);
    expect(error.rid).toEqual(expect.any(String));
    expect((await emulator.counts())["/sns/oauth2/access_token"]).toBe(2);
  });

  it("rejects an unknown code with 40029", async () => {
    const error = apiError(await caught(website.exchangeCode(sensitive("NOT_A_REAL_CODE_123"))));
    expect([error.errcode, error.reason]).toEqual([40029, "invalid_code"]);
  });

  it("reports a wrong secret as a configuration problem", async () => {
    const wrong = emulator.client(emulator.website.appid, {
      secret: sensitive("00000000000000000000000000000000"),
    });
    const error = apiError(await caught(wrong.exchangeCode(await emulator.code(emulator.website.appid))));
    expect(error.action).toBe("fix_config");
  });

  it("reports an unknown appid as 40013", async () => {
    const stranger = emulator.client("wx00000000000000ff", {
      secret: sensitive("0123456789abcdef0123456789abcdef"),
    });
    const error = apiError(await caught(stranger.exchangeCode(sensitive("SOME_CODE_0001"))));
    expect([error.errcode, error.reason]).toEqual([40013, "invalid_appid"]);
  });

  it("sends the user back to login when the code outlived its minutes", async () => {
    const code = await emulator.code(emulator.website.appid);
    await emulator.advance(11 * 60);
    const error = apiError(await caught(website.exchangeCode(code)));
    expect(error.action).toBe("restart_login");
  });

  it("answers 42001 once the access token expired, and 40003 for another user's openid", async () => {
    const token = track(await website.exchangeCode(await emulator.code(emulator.website.appid)));
    const other = track(
      await website.exchangeCode(await emulator.code(emulator.website.appid, { userId: "lily" })),
    );
    expect(apiError(await caught(website.checkToken(token.accessToken, other.openid))).reason).toBe(
      "invalid_openid",
    );
    await emulator.advance(7201);
    const error = apiError(await caught(website.getUserInfo(token.accessToken, token.openid)));
    expect([error.errcode, error.action]).toEqual([42001, "refresh_access_token"]);
  });

  it("answers 42002 once the refresh token is 30 days old, 40030 for an unknown one", async () => {
    const token = track(await website.exchangeCode(await emulator.code(emulator.website.appid)));
    expect(apiError(await caught(website.refreshToken(sensitive("UNKNOWN_REFRESH_TOKEN")))).errcode).toBe(
      40030,
    );
    await emulator.advance(31 * 24 * 3600);
    const error = apiError(await caught(website.refreshToken(token.refreshToken)));
    expect([error.errcode, error.action]).toEqual([42002, "reauthorize"]);
  });

  it("refuses userinfo to a snsapi_base token with 48001", async () => {
    const oa = emulator.client(emulator.officialAccount.appid);
    const code = await emulator.code(emulator.officialAccount.appid, { scope: "snsapi_base" });
    const token = track(await oa.exchangeCode(code));
    const error = apiError(await caught(oa.getUserInfo(token.accessToken, token.openid)));
    expect([error.errcode, error.action]).toEqual([48001, "widen_scope"]);
  });
});
