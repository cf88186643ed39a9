import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { createLogin, type Login } from "../../src/flow/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import { freePort } from "../adapters/sites.js";
import { appsOf, useEmulator } from "../security/support.js";
import { MiniProgramDevice, miniProgramOf, openData } from "./support.js";

// docs/miniprogram.md quotes examples/miniprogram/*.ts: this runs them, unchanged, against the emulator.
const emulator = useEmulator({ beforeAll, afterAll });

function loginFor(emulatorNow: RunningEmulator, port: number): Login {
  return createLogin({
    ...appsOf(emulatorNow).website,
    redirectUri: `http://localhost:${port}/auth/callback`,
    miniProgram: miniProgramOf(emulatorNow),
    openBase: emulatorNow.url,
    apiBase: emulatorNow.url,
    sessionSecret: "example-session-secret-0123456789abcdef",
    store: memoryStore(),
  });
}

const EXAMPLES = [
  ["express", () => import("../../examples/miniprogram/express.js")],
  ["hono", () => import("../../examples/miniprogram/hono.js")],
] as const;

describe.each(EXAMPLES)("examples/miniprogram/%s.ts", (name, load) => {
  let site: { url: string; close(): Promise<void> };
  let login: Login;
  beforeAll(async () => {
    const port = await freePort();
    login = loginFor(emulator(), port);
    site = await (await load()).start({ port, login });
  });
  afterAll(async () => {
    await site.close();
    await login.close();
  });

  it("logs the mini program in and serves its API to the bearer token only", async () => {
    const device = new MiniProgramDevice(site.url);
    expect((await device.get("/api/me")).status).toBe(401);
    expect((await device.logIn(emulator(), "lily")).status).toBe(200);
    const me = await device.get("/api/me");
    expect(me.status).toBe(200);
    expect(me.body.id).toEqual(expect.any(String));
    const data = await openData(emulator(), "lily");
    if (name === "express") {
      const decrypted = await device.post("/api/open-data", {
        encryptedData: data.encryptedData,
        iv: data.iv,
      });
      expect(decrypted).toMatchObject({ status: 200, body: { nickName: "Lily 🌸" } });
      const bytes = Buffer.from(data.encryptedData, "base64");
      bytes[bytes.length - 1]! ^= 0x55;
      const tampered = await device.post("/api/open-data", {
        encryptedData: bytes.toString("base64"),
        iv: data.iv,
      });
      expect(tampered).toMatchObject({ status: 409, body: { error: "relogin" } });
      expect(await device.post("/api/open-data", { iv: data.iv })).toMatchObject({ status: 400 });
    } else {
      const profile = await device.post("/api/profile", { rawData: data.rawData, signature: data.signature });
      expect(profile).toMatchObject({ status: 200, body: { nickName: "Lily 🌸" } });
      const forged = await device.post("/api/profile", {
        rawData: data.rawData.replace("Lily", "Lucy"),
        signature: data.signature,
      });
      expect(forged).toMatchObject({ status: 409, body: { error: "relogin" } });
      expect(await device.post("/api/profile", { rawData: 1 })).toMatchObject({ status: 400 });
    }
  });
});
