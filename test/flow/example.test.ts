import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSite } from "../../examples/login-quickstart.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { confirmOnPhone } from "../support/confirm.js";

let emulator: RunningEmulator;
let workdir: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  workdir = await mkdtemp(join(tmpdir(), "login-example-"));
});
afterAll(async () => {
  await emulator.close();
  await rm(workdir, { recursive: true, force: true });
});

describe("the README's login quick start", () => {
  it("logs a user in against the emulator and greets them by nickname", async () => {
    const app = emulator.apps.find((candidate) => candidate.kind === "website" && candidate.openAccount)!;
    const {
      app: site,
      login,
      store,
    } = await createSite({
      WECHAT_APPID: app.appid,
      WECHAT_SECRET: app.secret,
      WECHAT_REDIRECT_URI: "http://localhost:3000/auth/callback",
      SESSION_SECRET: "x".repeat(40),
      WECHAT_OPEN_BASE: emulator.url,
      WECHAT_API_BASE: emulator.url,
      SQLITE_FILE: join(workdir, "login.db"),
    });
    try {
      const start = await site.request("http://localhost:3000/auth/login?returnTo=/");
      expect(start.status).toBe(302);
      const preLogin = start.headers.getSetCookie()[0]!.split(";")[0]!;
      const authorize = new URL(start.headers.get("location")!);
      const location = await confirmOnPhone(emulator.url, authorize.href, { userId: "zhangsan" });
      const callback = await site.request(location, { headers: { cookie: preLogin } });
      expect(callback.status).toBe(302);
      const session = callback.headers
        .getSetCookie()
        .find((cookie) => cookie.startsWith("wl_session="))!
        .split(";")[0]!;
      const home = await site.request("http://localhost:3000/", { headers: { cookie: session } });
      expect(await home.text()).toContain("你好，张三");
    } finally {
      await login.close();
      await store.close();
    }
  });
});
