import { afterAll, beforeAll, expect, it } from "vitest";
import { type Emulator, useEmulator } from "./emulator.js";
import { sensitive } from "./support.js";

// The README quotes examples/client-quickstart.ts: this runs it, unchanged, against the emulator.
let emulator: Emulator;
let example: typeof import("../../examples/client-quickstart.js");

beforeAll(async () => {
  emulator = await useEmulator();
  process.env.WECHAT_APPID = emulator.website.appid;
  process.env.WECHAT_SECRET = emulator.website.secret;
  process.env.WECHAT_API_BASE = emulator.url;
  example = await import("../../examples/client-quickstart.js");
});
afterAll(async () => {
  await example?.close();
  await emulator.close();
});

it("logs a user in, reads the profile later, and asks to restart on a reused code", async () => {
  const code = sensitive(await emulator.code(emulator.website.appid, { userId: "lily" }));
  const login = await example.onCallback(code);
  expect(login).toMatchObject({ nickname: "Lily 🌸", unionid: expect.any(String) });
  if (login.openid === undefined) throw new Error("expected a login");
  expect(await example.profileOf(login.openid)).toMatchObject({ nickname: "Lily 🌸" });
  expect(await example.profileOf("oUnknownUser")).toBeUndefined();
  expect(await example.onCallback(code)).toEqual({ restartLogin: true });
});
