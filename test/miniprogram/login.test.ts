import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  appsOf,
  countingStore,
  onSite,
  SecurityBrowser,
  type SecuritySite,
  STORE_KINDS,
  startSite,
  useEmulator,
  useStore,
  WECHAT_BROWSER,
} from "../security/support.js";
import { confirmOnPhone } from "../support/confirm.js";
import { MiniProgramDevice, miniProgramOf, openData, phoneCode, wxLogin } from "./support.js";

const emulator = useEmulator({ beforeAll, afterAll });
const DAY_MS = 24 * 3600 * 1000;

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(`mini-program login on ${kind.name}`, () => {
    const backing = useStore(kind, { beforeAll, afterAll });
    const clock = { offsetMs: 0 };
    let site: SecuritySite;
    let calls: Map<string, number>;
    beforeAll(async () => {
      const counted = countingStore(backing());
      calls = counted.calls;
      site = await startSite({
        store: counted.store,
        upstream: emulator().url,
        apps: appsOf(emulator()),
        overrides: { miniProgram: miniProgramOf(emulator()), now: () => Date.now() + clock.offsetMs },
      });
    });
    afterAll(async () => {
      await site.close();
    });
    afterEach(() => {
      clock.offsetMs = 0;
    });
    const sessionsMade = () => calls.get("putSession") ?? 0;

    it("wx.login's code becomes a bearer session the session route and getSession accept", async () => {
      const device = new MiniProgramDevice(site.url);
      const answer = await device.logIn(emulator(), "lily");
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      expect(answer.body).toEqual({
        token: expect.stringMatching(/^[0-9a-f]{64}$/),
        expiresIn: 30 * 24 * 3600,
        user: expect.objectContaining({ id: expect.any(String), unionid: expect.any(String) }),
      });
      expect(JSON.stringify(answer.body)).not.toMatch(/session_?key/i);
      const session = await device.get("/auth/session");
      expect(session.status).toBe(200);
      expect(session.body).toMatchObject({
        user: { id: (answer.body.user as { id: string }).id },
        identity: { appid: miniProgramOf(emulator()).appid },
      });
      const request = new Request(`${site.url}/anything`, {
        headers: { authorization: `Bearer ${device.token}` },
      });
      expect((await site.login.getSession(request))?.user.id).toBe((answer.body.user as { id: string }).id);
      // Neither the token nor the session_key reaches a log line.
      const sessionKey = (
        await backing().getToken(
          `sk:${miniProgramOf(emulator()).appid}:${(session.body.identity as { openid: string }).openid}`,
          Date.now(),
        )
      )?.accessToken;
      expect(sessionKey).toMatch(/^v1\./);
      expect(site.log.join("\n")).not.toContain(device.token!);
    });

    it("logging in again replaces the bearer token it was sent with (rotation)", async () => {
      const device = new MiniProgramDevice(site.url);
      await device.logIn(emulator());
      const first = device.token!;
      await device.logIn(emulator());
      expect(device.token).not.toBe(first);
      const stale = new MiniProgramDevice(site.url);
      stale.token = first;
      expect((await stale.get("/auth/session")).status).toBe(401);
      expect((await device.get("/auth/session")).status).toBe(200);
    });

    it("a reused, unknown or malformed code is a 400 JSON error and makes no session", async () => {
      const device = new MiniProgramDevice(site.url);
      const code = await wxLogin(emulator());
      expect((await device.post("/auth/miniprogram/login", { code })).status).toBe(200);
      const before = sessionsMade();
      const reused = await device.post("/auth/miniprogram/login", { code });
      expect(reused.status).toBe(400);
      expect(reused.body).toMatchObject({ error: "code_invalid", errcode: expect.any(Number) });
      const foreign = await device.post("/auth/miniprogram/login", { code: "0".repeat(32) });
      expect(foreign).toMatchObject({ status: 400, body: { error: "code_invalid" } });
      for (const bad of [{}, { code: "" }, { code: "a b" }, { code: 42 }, { code: "x".repeat(200) }]) {
        const answer = await device.post("/auth/miniprogram/login", bad);
        expect(answer).toMatchObject({ status: 400, body: { error: "code_missing" } });
      }
      expect(sessionsMade()).toBe(before);
      expect(site.log.join("\n")).not.toContain(code);
    });

    it("non-JSON, wrongly typed and oversized bodies are 400/413 JSON, never a 500", async () => {
      const device = new MiniProgramDevice(site.url);
      const before = sessionsMade();
      for (const raw of ["code=abc", "{", "[]", "null", '"code"']) {
        const answer = await device.post("/auth/miniprogram/login", undefined, { raw });
        expect(answer).toMatchObject({ status: 400, body: { error: "invalid_body" } });
      }
      const form = await device.post("/auth/miniprogram/login", undefined, {
        raw: "code=abc",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expect(form).toMatchObject({ status: 400, body: { error: "invalid_body" } });
      const huge = await device.post("/auth/miniprogram/login", { code: "a", pad: "x".repeat(200_000) });
      expect(huge).toMatchObject({ status: 413, body: { error: "body_too_large" } });
      expect(sessionsMade()).toBe(before);
      const get = await fetch(`${site.url}/auth/miniprogram/login`);
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
    });

    it("logout revokes a bearer session without the cookie CSRF rule; the token then gets 401", async () => {
      const device = new MiniProgramDevice(site.url);
      await device.logIn(emulator());
      const logout = await device.post("/auth/logout", undefined, { raw: "" });
      expect(logout.status).toBe(204);
      expect(logout.headers.getSetCookie()).toEqual([]);
      expect(await device.get("/auth/session")).toMatchObject({
        status: 401,
        body: { error: "not_logged_in" },
      });
      const phone = await device.post("/auth/miniprogram/phone", { code: await phoneCode(emulator()) });
      expect(phone).toMatchObject({ status: 401, body: { error: "not_logged_in" } });
    });

    it("an expired bearer session is refused", async () => {
      const device = new MiniProgramDevice(site.url);
      await device.logIn(emulator());
      clock.offsetMs = 8 * DAY_MS;
      expect((await device.get("/auth/session")).status).toBe(401);
    });

    it("a cookie session id does not work as a bearer token, nor a bearer token as a cookie", async () => {
      const browser = new SecurityBrowser();
      const start = await browser.request(`${site.url}/auth/login`);
      await browser.request(
        onSite(site, await confirmOnPhone(emulator().url, start.headers.get("location")!)),
      );
      const cookieId = browser.cookies.get("wl_session")!.value;
      expect((await browser.request(`${site.url}/auth/session`)).status).toBe(200);
      const impostor = new MiniProgramDevice(site.url);
      impostor.token = cookieId;
      expect((await impostor.get("/auth/session")).status).toBe(401);
      const device = new MiniProgramDevice(site.url);
      await device.logIn(emulator());
      const asCookie = await fetch(`${site.url}/auth/session`, {
        headers: { cookie: `wl_session=${device.token}` },
      });
      expect(asCookie.status).toBe(401);
      // A website session is not a mini-program session.
      const phone = await fetch(`${site.url}/auth/miniprogram/phone`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: `wl_session=${cookieId}` },
        body: JSON.stringify({ code: await phoneCode(emulator()) }),
      });
      expect(phone.status).toBe(403);
      expect(await phone.json()).toMatchObject({ error: "not_mini_program_session" });
      for (const authorization of ["Bearer", "Bearer a b", `Bearer ${"a".repeat(300)}`, "bearer   "]) {
        const answer = await fetch(`${site.url}/auth/session`, { headers: { authorization } });
        expect(answer.status).toBe(401);
      }
    });

    it("the phone button's code gives the number; a wx.login code passed instead is told so", async () => {
      const device = new MiniProgramDevice(site.url);
      await device.logIn(emulator(), "lily");
      const phone = await device.post("/auth/miniprogram/phone", {
        code: await phoneCode(emulator(), "lily"),
      });
      expect(phone.status).toBe(200);
      expect(phone.body).toEqual({
        phoneNumber: expect.any(String),
        purePhoneNumber: expect.any(String),
        countryCode: expect.stringMatching(/^\d+$/),
      });
      expect(site.log.join("\n")).not.toContain(phone.body.purePhoneNumber as string);
      const mistaken = await device.post("/auth/miniprogram/phone", {
        code: await wxLogin(emulator(), "lily"),
      });
      expect(mistaken.status).toBe(400);
      expect(mistaken.body.error).toBe("phone_code_invalid");
      expect(mistaken.body.message).toMatch(/not the wx\.login code/);
      const none = new MiniProgramDevice(site.url);
      expect(await none.post("/auth/miniprogram/phone", { code: "c" })).toMatchObject({ status: 401 });
    });

    it("open data: verified and decrypted with the kept session_key; forged or tampered data is a 409", async () => {
      const device = new MiniProgramDevice(site.url);
      await device.logIn(emulator(), "zhangsan");
      const data = await openData(emulator(), "zhangsan");
      const verified = await device.post("/auth/miniprogram/userinfo", {
        rawData: data.rawData,
        signature: data.signature,
      });
      expect(verified).toMatchObject({ status: 200, body: { userInfo: { nickName: "张三" } } });
      const decrypted = await device.post("/auth/miniprogram/open-data", {
        encryptedData: data.encryptedData,
        iv: data.iv,
      });
      expect(decrypted.status).toBe(200);
      expect(decrypted.body.data).toMatchObject({ watermark: { appid: miniProgramOf(emulator()).appid } });
      const forged = await device.post("/auth/miniprogram/userinfo", {
        rawData: data.rawData.replace("张三", "王五"),
        signature: data.signature,
      });
      expect(forged).toMatchObject({ status: 409, body: { error: "signature_mismatch", relogin: true } });
      const bytes = Buffer.from(data.encryptedData, "base64");
      bytes[bytes.length - 1]! ^= 0x55;
      const tampered = await device.post("/auth/miniprogram/open-data", {
        encryptedData: bytes.toString("base64"),
        iv: data.iv,
      });
      expect(tampered.status).toBe(409);
      expect(tampered.body.error).toBe("decrypt_failed");
      const malformed = await device.post("/auth/miniprogram/open-data", {
        encryptedData: "***",
        iv: data.iv,
      });
      expect(malformed).toMatchObject({
        status: 400,
        body: { error: "invalid_field", field: "encryptedData" },
      });
      expect(await device.post("/auth/miniprogram/userinfo", { rawData: 1 })).toMatchObject({ status: 400 });
      // login.miniprogram does the same for the app's own routes.
      const session = (await site.login.getSession(
        new Request(site.url, { headers: { authorization: `Bearer ${device.token}` } }),
      ))!;
      await expect(site.login.miniprogram.verifyUserData(data, session)).resolves.toMatchObject({
        nickName: "张三",
      });
    });

    it("a later wx.login replaced the session_key: open data answers log in again, and a new login fixes it", async () => {
      const device = new MiniProgramDevice(site.url);
      await device.logIn(emulator(), "lily");
      // The mini program logs in with WeChat again without telling this site (another backend, say).
      const { appid, secret } = miniProgramOf(emulator());
      const code = await wxLogin(emulator(), "lily");
      const elsewhere = await fetch(
        `${emulator().url}/sns/jscode2session?appid=${appid}&secret=${secret}&js_code=${code}&grant_type=authorization_code`,
      );
      expect(elsewhere.status).toBe(200);
      const data = await openData(emulator(), "lily");
      const stale = await device.post("/auth/miniprogram/open-data", {
        encryptedData: data.encryptedData,
        iv: data.iv,
      });
      expect(stale).toMatchObject({ status: 409, body: { error: "decrypt_failed", relogin: true } });
      const session = (await site.login.getSession(
        new Request(site.url, { headers: { authorization: `Bearer ${device.token}` } }),
      ))!;
      await expect(site.login.miniprogram.decryptUserData(data, session)).rejects.toMatchObject({
        name: "OpenDataDecryptError",
        relogin: true,
      });
      await device.logIn(emulator(), "lily");
      const fresh = await openData(emulator(), "lily");
      const again = await device.post("/auth/miniprogram/open-data", {
        encryptedData: fresh.encryptedData,
        iv: fresh.iv,
      });
      expect(again.status).toBe(200);
    });

    it("a website session has no session_key: login.miniprogram says log in again", async () => {
      const session = {
        user: { id: "u", nickname: "", headimgurl: "", unionid: undefined },
        identity: { appid: appsOf(emulator()).website.appid, openid: "o" },
        expiresAt: Date.now() + 1000,
      };
      await expect(
        site.login.miniprogram.verifyUserData({ rawData: "{}", signature: "0".repeat(40) }, session),
      ).rejects.toMatchObject({
        name: "MiniProgramLoginRequired",
        problem: "not_mini_program_session",
      });
    });

    it("one person by website QR, in-WeChat authorization and the mini program is one user with three identities", async () => {
      const userId = "noavatar";
      const desktop = new SecurityBrowser();
      const qr = await desktop.request(`${site.url}/auth/login`);
      await desktop.request(
        onSite(site, await confirmOnPhone(emulator().url, qr.headers.get("location")!, { userId })),
      );
      const inWeChat = new SecurityBrowser(WECHAT_BROWSER);
      const authorize = await inWeChat.request(`${site.url}/auth/login`);
      expect(new URL(authorize.headers.get("location")!).pathname).toBe("/connect/oauth2/authorize");
      await inWeChat.request(
        onSite(site, await confirmOnPhone(emulator().url, authorize.headers.get("location")!, { userId })),
      );
      const device = new MiniProgramDevice(site.url);
      const mini = await device.logIn(emulator(), userId);
      const ids = await Promise.all([
        desktop.request(`${site.url}/auth/session`).then((r) => r.json()),
        inWeChat.request(`${site.url}/auth/session`).then((r) => r.json()),
      ]);
      const miniUserId = (mini.body.user as { id: string }).id;
      expect(ids.map((body) => (body as { user: { id: string } }).user.id)).toEqual([miniUserId, miniUserId]);
      const identities = await backing().listIdentities(miniUserId);
      expect(identities.map((identity) => identity.appid).sort()).toEqual(
        [
          appsOf(emulator()).website.appid,
          appsOf(emulator()).officialAccount.appid,
          miniProgramOf(emulator()).appid,
        ].sort(),
      );
    });
  });
}

describe("a failing store", () => {
  it("answers the mini program's JSON routes with a JSON 503 and makes no session", async () => {
    const { memoryStore } = await import("../../src/stores/memory.js");
    const real = memoryStore();
    const failOn = new Set(["linkIdentity", "putAttempt", "getSession"]);
    const store = new Proxy(real, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof property === "string" && failOn.has(property)) {
          return async () => {
            throw new Error("ECONNREFUSED 127.0.0.1:6390");
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const site = await startSite({
      store,
      upstream: emulator().url,
      apps: appsOf(emulator()),
      overrides: { miniProgram: miniProgramOf(emulator()) },
    });
    try {
      const device = new MiniProgramDevice(site.url);
      const login = await device.logIn(emulator());
      expect(login).toMatchObject({ status: 503, body: { error: "store_unavailable" } });
      expect(login.headers.get("content-type")).toMatch(/^application\/json/);
      const qr = await fetch(`${site.url}/auth/miniprogram/qr`);
      expect(qr.status).toBe(503);
      expect(await qr.json()).toMatchObject({ error: "store_unavailable" });
      device.token = "a".repeat(64);
      expect(await device.post("/auth/miniprogram/phone", { code: "c" })).toMatchObject({ status: 503 });
      // The backend's own message stays in the log, never in the answer.
      expect(JSON.stringify(login.body)).not.toContain("ECONNREFUSED");
    } finally {
      await site.close();
      await real.close();
    }
  });
});
