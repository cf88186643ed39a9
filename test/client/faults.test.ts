import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  describeErrcode,
  ERRCODES,
  type OAuthToken,
  WeChatApiError,
  type WeChatClient,
  WeChatHttpError,
  WeChatNetworkError,
  WeChatTimeoutError,
} from "../../src/client/index.js";
import { type Emulator, track, useEmulator } from "./emulator.js";
import { caught, SLACK_MS } from "./support.js";

let emulator: Emulator;
let client: WeChatClient;
let token: OAuthToken;
const USERINFO = "/sns/userinfo";

beforeAll(async () => {
  emulator = await useEmulator();
  client = emulator.client(emulator.website.appid, { timeouts: { totalMs: 600 } });
});
beforeEach(async () => {
  await emulator.reset();
  token = track(await client.exchangeCode(await emulator.code(emulator.website.appid)));
});
afterAll(() => emulator.close());

const userInfo = () => client.getUserInfo(token.accessToken, token.openid);
const count = async (path: string) => (await emulator.counts())[path] ?? 0;

describe("every errcode of the spec reaches its typed error", () => {
  const codes = [...ERRCODES.keys(), 10003, 99999];
  it.each(codes)("errcode %i", async (errcode) => {
    // One attempt: -1 would otherwise be retried, which the retry tests cover.
    const single = emulator.client(emulator.website.appid, { retry: { attempts: 1 } });
    await emulator.fault({ endpoint: USERINFO, kind: "errcode", errcode });
    const error = await caught(single.getUserInfo(token.accessToken, token.openid));
    expect(error).toBeInstanceOf(WeChatApiError);
    const info = describeErrcode(errcode);
    expect(error).toMatchObject({
      errcode,
      reason: info.reason,
      action: info.action,
      endpoint: "sns/userinfo",
    });
    expect((error as WeChatApiError).rid).toEqual(expect.any(String));
  });
});

describe("fault kinds", () => {
  it("a delay beyond the deadline ends in WeChatTimeoutError within the deadline", async () => {
    await emulator.fault({ endpoint: USERINFO, kind: "delay", delayMs: 5_000 });
    const started = performance.now();
    const error = await caught(userInfo());
    expect(performance.now() - started).toBeLessThan(600 + SLACK_MS);
    expect(error).toBeInstanceOf(WeChatTimeoutError);
    expect((error as WeChatTimeoutError).phase).toBe("total");
  });

  it("a delay within the deadline is just slow", async () => {
    await emulator.fault({ endpoint: USERINFO, kind: "delay", delayMs: 50 });
    await expect(userInfo()).resolves.toMatchObject({ openid: token.openid });
  });

  it("a hang ends in WeChatTimeoutError within the deadline", async () => {
    await emulator.fault({ endpoint: USERINFO, kind: "hang" });
    const started = performance.now();
    expect(await caught(userInfo())).toBeInstanceOf(WeChatTimeoutError);
    expect(performance.now() - started).toBeLessThan(600 + SLACK_MS);
  });

  it("a reset is a network error after the request was sent, and the next call works", async () => {
    const single = emulator.client(emulator.website.appid, { retry: { attempts: 1 } });
    await emulator.fault({ endpoint: USERINFO, kind: "reset" });
    const error = await caught(single.getUserInfo(token.accessToken, token.openid));
    expect(error).toBeInstanceOf(WeChatNetworkError);
    expect((error as WeChatNetworkError).requestSent).toBe(true);
    await expect(single.getUserInfo(token.accessToken, token.openid)).resolves.toMatchObject({
      openid: token.openid,
    });
  });

  it.each([
    ["html", 502],
    ["http", 503],
    ["truncated", 200],
    ["garbage", 200],
  ] as const)("%s is WeChatHttpError", async (kind, status) => {
    await emulator.fault({ endpoint: USERINFO, kind, times: 5 });
    const error = await caught(userInfo());
    expect(error).toBeInstanceOf(WeChatHttpError);
    expect((error as WeChatHttpError).status).toBe(status);
    expect(await count(USERINFO)).toBe(1);
  });

  it("an http fault with another 5xx status keeps it", async () => {
    await emulator.fault({ endpoint: USERINFO, kind: "http", status: 500 });
    expect(await caught(userInfo())).toMatchObject({ status: 500 });
  });
});

describe("retries", () => {
  it("retries -1 twice on getUserInfo, then succeeds", async () => {
    await emulator.fault({ endpoint: USERINFO, kind: "errcode", errcode: -1, times: 2 });
    await expect(userInfo()).resolves.toMatchObject({ openid: token.openid });
    expect(await count(USERINFO)).toBe(3);
  });

  it("retries resets on idempotent calls (checkToken, refreshToken)", async () => {
    await emulator.fault({ endpoint: "/sns/auth", kind: "reset", times: 2 });
    await emulator.fault({ endpoint: "/sns/oauth2/refresh_token", kind: "reset", times: 1 });
    expect(await client.checkToken(token.accessToken, token.openid)).toBe(true);
    track(await client.refreshToken(token.refreshToken));
    expect(await count("/sns/auth")).toBe(3);
    expect(await count("/sns/oauth2/refresh_token")).toBe(2);
  });

  it("surfaces -1 after the attempts run out", async () => {
    await emulator.fault({ endpoint: USERINFO, kind: "errcode", errcode: -1, times: 10 });
    expect(await caught(userInfo())).toMatchObject({ errcode: -1, reason: "system_busy" });
    expect(await count(USERINFO)).toBe(3);
  });

  it("never retries a code exchange on -1: exactly one call reaches WeChat", async () => {
    const code = await emulator.code(emulator.website.appid);
    await emulator.fault({ endpoint: "/sns/oauth2/access_token", kind: "errcode", errcode: -1, times: 5 });
    const before = await count("/sns/oauth2/access_token");
    expect(await caught(client.exchangeCode(code))).toMatchObject({ errcode: -1 });
    expect((await count("/sns/oauth2/access_token")) - before).toBe(1);
  });

  it("never retries a code exchange whose connection was reset after sending", async () => {
    const code = await emulator.code(emulator.website.appid);
    await emulator.fault({ endpoint: "/sns/oauth2/access_token", kind: "reset", times: 5 });
    const before = await count("/sns/oauth2/access_token");
    expect(await caught(client.exchangeCode(code))).toMatchObject({ requestSent: true });
    expect((await count("/sns/oauth2/access_token")) - before).toBe(1);
  });

  it("never retries code2Session on -1", async () => {
    const mini = emulator.client(emulator.miniProgram.appid);
    const jsCode = await emulator.jsCode(emulator.miniProgram.appid);
    await emulator.fault({ endpoint: "/sns/jscode2session", kind: "errcode", errcode: -1, times: 5 });
    expect(await caught(mini.code2Session(jsCode))).toMatchObject({ errcode: -1 });
    expect(await count("/sns/jscode2session")).toBe(1);
  });
});
