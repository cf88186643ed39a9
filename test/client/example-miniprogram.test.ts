import { afterAll, beforeAll, expect, it } from "vitest";
import { type Emulator, useEmulator } from "./emulator.js";

// docs/client.md quotes examples/client-miniprogram.ts: this runs it, unchanged, against the emulator.
let emulator: Emulator;
let example: typeof import("../../examples/client-miniprogram.js");

beforeAll(async () => {
  emulator = await useEmulator();
  process.env.WECHAT_MP_APPID = emulator.miniProgram.appid;
  process.env.WECHAT_MP_SECRET = emulator.miniProgram.secret;
  process.env.WECHAT_API_BASE = emulator.url;
  example = await import("../../examples/client-miniprogram.js");
});
afterAll(async () => {
  await example?.close();
  await emulator.close();
});

it("logs in, decrypts open data, asks for a new login once the key is replaced, reads a phone number and draws a code", async () => {
  const appid = emulator.miniProgram.appid;
  const { openid } = await example.onLogin(await emulator.jsCode(appid, "lily"));
  const data = await emulator.openData(appid, "lily");
  expect(example.openDataOf(openid, data)).toMatchObject({ openId: openid, nickName: "Lily 🌸" });

  // A wx.login that bypasses this server replaces the user's key: data made under the new key
  // no longer decrypts with the one the server holds, and the example asks for a new login.
  const older = await emulator.openData(appid, "lily");
  const elsewhere = await emulator.client(appid).code2Session(await emulator.jsCode(appid, "lily"));
  expect(elsewhere.openid).toBe(openid);
  const newer = await emulator.openData(appid, "lily");
  expect(example.openDataOf(openid, older)).toMatchObject({ openId: openid });
  expect(example.openDataOf(openid, newer)).toEqual({ relogin: true });

  const code = await emulator.phoneCode(appid, "lily");
  expect(await example.onPhoneNumber(code)).toEqual({
    phoneNumber: expect.stringMatching(/^138\d{8}$/),
    countryCode: "86",
  });
  expect(await example.onPhoneNumber(code)).toEqual({ askAgain: true });

  const { contentType, image } = await example.loginCode("a1B2c3");
  expect(contentType).toBe("image/png");
  expect(image.length).toBeGreaterThan(100);
});
