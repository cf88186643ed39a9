import jsQRModule from "jsqr";
import { PNG } from "pngjs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AppCredential,
  decryptUserData,
  InvalidArgumentError,
  MiniProgramClient,
  memoryTokenStore,
  OpenDataDecryptError,
  OpenDataSignatureError,
  OpenDataWatermarkError,
  verifyUserData,
  WeChatApiError,
  type WeChatClient,
  WeChatHttpError,
} from "../../src/client/index.js";
import { type Emulator, track, useEmulator } from "./emulator.js";
import { caught, caughtSync, sensitive } from "./support.js";

let emulator: Emulator;
let client: WeChatClient;
let mini: MiniProgramClient;

beforeAll(async () => {
  emulator = await useEmulator();
});
beforeEach(async () => {
  await emulator.reset();
  client = emulator.client(emulator.miniProgram.appid);
  mini = new MiniProgramClient({
    client,
    credential: new AppCredential({ client, store: memoryTokenStore() }),
  });
});
afterAll(() => emulator.close());

const appid = () => emulator.miniProgram.appid;
const count = async (path: string) => (await emulator.counts())[path] ?? 0;

async function login(userId = "zhangsan") {
  return track(await client.code2Session(await emulator.jsCode(appid(), userId)));
}

// jsqr is CommonJS with its function as both module.exports and .default; its types see only the latter.
const jsQR = jsQRModule.default;

function readQr(image: Uint8Array): string | undefined {
  const png = PNG.sync.read(Buffer.from(image));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describe("getWxaCodeUnlimited", () => {
  it("returns a PNG that encodes the phone panel with the scene and page", async () => {
    const { contentType, image } = await mini.getWxaCodeUnlimited({
      scene: "a1B2c3",
      page: "pages/login/confirm",
      width: 280,
    });
    expect(contentType).toBe("image/png");
    const target = readQr(image);
    expect(target).toBe(
      `${emulator.url}/_emulator/mini-program/${appid()}?scene=a1B2c3&page=pages%2Flogin%2Fconfirm`,
    );
    // Scanning is opening it: the mini program shows the page with query.scene.
    const panel = await (await fetch(target ?? "")).text();
    expect(panel).toContain('data-page="pages/login/confirm"');
    expect(panel).toContain('<code id="mp-scene">a1B2c3</code>');
  });

  it("hands the page its scene URL-encoded, as WeChat does", async () => {
    const { image } = await mini.getWxaCodeUnlimited({ scene: "id=7&k=x" });
    const panel = await (await fetch(readQr(image) ?? "")).text();
    expect(panel).toContain('<code id="mp-scene">id%3D7%26k%3Dx</code>');
    expect(panel).toContain('<code id="mp-scene-decoded">id=7&amp;k=x</code>');
  });

  it("answers an unpublished page with 41030 unless checkPath is false", async () => {
    const error = await caught(mini.getWxaCodeUnlimited({ scene: "s", page: "pages/draft/index" }));
    expect(error).toBeInstanceOf(WeChatApiError);
    expect(error).toMatchObject({
      errcode: 41030,
      reason: "invalid_page",
      endpoint: "wxa/getwxacodeunlimit",
    });
    const drawn = await mini.getWxaCodeUnlimited({ scene: "s", page: "pages/draft/index", checkPath: false });
    expect(readQr(drawn.image)).toContain("page=pages%2Fdraft%2Findex");
  });

  it("refuses a scene WeChat would refuse before any request", async () => {
    const before = await count("/wxa/getwxacodeunlimit");
    for (const scene of ["x".repeat(33), "100%", ""]) {
      expect(await caught(mini.getWxaCodeUnlimited({ scene }))).toBeInstanceOf(InvalidArgumentError);
    }
    expect(await count("/wxa/getwxacodeunlimit")).toBe(before);
  });

  it("tells JSON from image by content: an errcode body, garbage and an HTML page", async () => {
    await emulator.fault({ endpoint: "/wxa/getwxacodeunlimit", kind: "errcode", errcode: 45009 });
    expect(await caught(mini.getWxaCodeUnlimited({ scene: "s" }))).toMatchObject({
      errcode: 45009,
      reason: "rate_limited",
    });
    await emulator.fault({ endpoint: "/wxa/getwxacodeunlimit", kind: "garbage", times: 3 });
    const garbage = await caught(mini.getWxaCodeUnlimited({ scene: "s" }));
    expect(garbage).toBeInstanceOf(WeChatHttpError);
    expect((garbage as Error).message).toMatch(/neither an image nor JSON/);
    await emulator.clearFaults();
    await emulator.fault({ endpoint: "/wxa/getwxacodeunlimit", kind: "html", times: 3 });
    expect(await caught(mini.getWxaCodeUnlimited({ scene: "s" }))).toMatchObject({ status: 502 });
  });

  it("keeps the body cap for images", async () => {
    const small = emulator.client(appid(), { maxBodyBytes: 512 });
    const capped = new MiniProgramClient({
      client: small,
      credential: new AppCredential({ client: small, store: memoryTokenStore() }),
    });
    const error = await caught(capped.getWxaCodeUnlimited({ scene: "s", width: 1280 }));
    expect(error).toBeInstanceOf(WeChatHttpError);
    expect((error as Error).message).toMatch(/larger than 512 bytes/);
  });
});

describe("getUserPhoneNumber", () => {
  it("reads the phone number of a share-phone-number code, once", async () => {
    const code = await emulator.phoneCode(appid(), "lily");
    const phone = await mini.getUserPhoneNumber(code);
    expect(phone).toEqual({
      phoneNumber: expect.stringMatching(/^138\d{8}$/),
      purePhoneNumber: phone.phoneNumber,
      countryCode: "86",
      watermark: { appid: appid(), timestamp: expect.any(Number) },
    });
    const again = await caught(mini.getUserPhoneNumber(code));
    expect(again).toMatchObject({ errcode: 40029, endpoint: "wxa/business/getuserphonenumber" });
  });

  it("refuses a code older than 5 minutes on the emulator clock", async () => {
    const code = await emulator.phoneCode(appid());
    await emulator.advance(301);
    expect(await caught(mini.getUserPhoneNumber(code))).toMatchObject({ errcode: 40029 });
  });

  it("says so when handed the wx.login code instead", async () => {
    const error = await caught(mini.getUserPhoneNumber(await emulator.jsCode(appid())));
    expect(error).toBeInstanceOf(WeChatApiError);
    expect((error as WeChatApiError).hint).toMatch(/not the wx\.login code/);
  });

  it("is sent once: a system error is not retried, since the code may be spent", async () => {
    const before = await count("/wxa/business/getuserphonenumber");
    await emulator.fault({ endpoint: "/wxa/business/getuserphonenumber", kind: "errcode", errcode: -1 });
    expect(await caught(mini.getUserPhoneNumber(await emulator.phoneCode(appid())))).toMatchObject({
      errcode: -1,
    });
    expect((await count("/wxa/business/getuserphonenumber")) - before).toBe(1);
  });
});

describe("session_key: check, reset, replacement", () => {
  it("checks the current key and refuses it once a later login replaced it", async () => {
    const first = await login();
    await expect(mini.checkSession(first.openid, first.sessionKey)).resolves.toBe(true);
    const second = await login();
    expect(second.sessionKey).not.toBe(first.sessionKey);
    const error = await caught(mini.checkSession(first.openid, first.sessionKey));
    expect(error).toMatchObject({ errcode: 87009, reason: "session_key_invalid", action: "restart_login" });
    await expect(mini.checkSession(second.openid, second.sessionKey)).resolves.toBe(true);
  });

  it("resets the key: the new one checks, the old one no longer does", async () => {
    const session = await login();
    const reset = await mini.resetUserSessionKey(session.openid, session.sessionKey);
    sensitive(reset.sessionKey);
    expect(reset.openid).toBe(session.openid);
    expect(reset.sessionKey).not.toBe(session.sessionKey);
    await expect(mini.checkSession(session.openid, reset.sessionKey)).resolves.toBe(true);
    expect(await caught(mini.checkSession(session.openid, session.sessionKey))).toMatchObject({
      errcode: 87009,
    });
  });

  it("an old session_key fails on new open data, and the error asks for a new login", async () => {
    const first = await login("lily");
    const firstData = await emulator.openData(appid(), "lily");
    const profile = decryptUserData(firstData, first.sessionKey, appid(), Date.now());
    expect(profile).toMatchObject({ openId: first.openid, unionId: first.unionid, nickName: "Lily 🌸" });
    expect(verifyUserData(firstData, first.sessionKey)).toMatchObject({ nickName: "Lily 🌸" });

    const second = await login("lily");
    const secondData = await emulator.openData(appid(), "lily");
    const stale = caughtSync(() => decryptUserData(secondData, first.sessionKey, appid(), Date.now()));
    expect(stale).toBeInstanceOf(OpenDataDecryptError);
    expect(stale).toMatchObject({ relogin: true });
    expect((stale as OpenDataDecryptError).hint).toMatch(/replaced by a later wx\.login/);
    expect(caughtSync(() => verifyUserData(secondData, first.sessionKey))).toBeInstanceOf(
      OpenDataSignatureError,
    );
    expect(decryptUserData(secondData, second.sessionKey, appid(), Date.now())).toMatchObject({
      openId: second.openid,
    });
  });

  it("checks the watermark of emulator open data: another app, and age on the emulator clock", async () => {
    const session = await login();
    const data = await emulator.openData(appid(), undefined, { purePhoneNumber: "13800000000" });
    const foreign = caughtSync(() =>
      decryptUserData(data, session.sessionKey, emulator.website.appid, Date.now()),
    );
    expect(foreign).toBeInstanceOf(OpenDataWatermarkError);
    expect(foreign).toMatchObject({ problem: "foreign_appid" });
    await emulator.advance(3600);
    const later = await emulator.openData(appid());
    expect(caughtSync(() => decryptUserData(later, session.sessionKey, appid(), Date.now()))).toMatchObject({
      problem: "stale",
    });
    expect(decryptUserData(data, session.sessionKey, appid(), Date.now())).toMatchObject({
      purePhoneNumber: "13800000000",
    });
  });

  it("refreshes a rejected app token once for the cluster and retries the call", async () => {
    const session = await login();
    await mini.checkSession(session.openid, session.sessionKey);
    const tokens = await count("/cgi-bin/stable_token");
    await emulator.fault({ endpoint: "/wxa/checksession", kind: "errcode", errcode: 40001 });
    await expect(mini.checkSession(session.openid, session.sessionKey)).resolves.toBe(true);
    expect((await count("/cgi-bin/stable_token")) - tokens).toBe(1);
  });

  it("validates openid and session_key before any request", async () => {
    expect(await caught(mini.checkSession("bad openid", "tiihtNczf5v6AKRyjwEUhQ=="))).toMatchObject({
      argument: "openid",
    });
    expect(await caught(mini.resetUserSessionKey("o1", "not-a-key"))).toMatchObject({
      argument: "sessionKey",
    });
  });
});

describe("MiniProgramClient options", () => {
  it("needs a WeChatClient and an AppCredential", () => {
    expect(
      () =>
        new MiniProgramClient({ client: {} as WeChatClient, credential: { call: async () => 1 } as never }),
    ).toThrow(/client/);
    expect(() => new MiniProgramClient({ client, credential: {} as never })).toThrow(/credential/);
  });
});
