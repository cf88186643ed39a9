import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RID, useEmulator } from "./helpers.js";

const h = useEmulator();

async function appToken(app = h.miniProgram): Promise<string> {
  const body = await h.postJson("/cgi-bin/stable_token", { grant_type: "client_credential", ...app });
  return String(body.access_token);
}

function wxaCode(token: string | undefined, body: string) {
  const query = token ? `?access_token=${encodeURIComponent(token)}` : "";
  return fetch(`${h.url}/wxa/getwxacodeunlimit${query}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
}

async function login(userId = "zhangsan") {
  const { js_code } = await h.postJson("/_emulator/jscode", { appid: h.miniProgram.appid, userId });
  const session = await h.getJson("/sns/jscode2session", {
    ...h.miniProgram,
    js_code: String(js_code),
    grant_type: "authorization_code",
  });
  return { openid: String(session.openid), sessionKey: String(session.session_key) };
}

const signature = (sessionKey: string) => createHmac("sha256", sessionKey).update("").digest("hex");

describe("POST /wxa/getwxacodeunlimit", () => {
  it("answers a PNG on success and JSON errcodes otherwise, each with WeChat's content type", async () => {
    const token = await appToken();
    const ok = await wxaCode(token, JSON.stringify({ scene: "abc", page: "pages/index/index" }));
    expect(ok.headers.get("content-type")).toBe("image/png");
    expect([...new Uint8Array(await ok.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const bad = await wxaCode(token, JSON.stringify({ scene: "x".repeat(33) }));
    expect(bad.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    const body = await bad.json();
    expect(body.errcode).toBe(40169);
    expect(body.errmsg).toMatch(RID);
  });

  it("enforces the scene rule (40169), the page rule (41030) and a JSON body (47001)", async () => {
    const token = await appToken();
    const errcode = async (body: string) => (await (await wxaCode(token, body)).json()).errcode;
    expect(await errcode(JSON.stringify({ scene: "100%" }))).toBe(40169);
    expect(await errcode(JSON.stringify({}))).toBe(40169);
    expect(await errcode(JSON.stringify({ scene: "a", page: "/pages/index/index" }))).toBe(41030);
    expect(await errcode(JSON.stringify({ scene: "a", page: "pages/nope/index" }))).toBe(41030);
    const unpublished = JSON.stringify({ scene: "a", page: "pages/nope/index", check_path: false });
    expect((await wxaCode(token, unpublished)).headers.get("content-type")).toBe("image/png");
    expect(await errcode("scene=a")).toBe(47001);
    expect(await errcode(JSON.stringify({ scene: "a", access_token: token }))).toBe(47001);
  });

  it("checks the app token: missing 41001, unknown 40001, a website's 48001", async () => {
    const body = JSON.stringify({ scene: "a" });
    expect((await (await wxaCode(undefined, body)).json()).errcode).toBe(41001);
    expect((await (await wxaCode("nope", body)).json()).errcode).toBe(40001);
    expect((await (await wxaCode(await appToken(h.website), body)).json()).errcode).toBe(48001);
  });

  it("takes API faults like every other API path", async () => {
    const token = await appToken();
    await h.post("/_emulator/faults", { endpoint: "*", kind: "errcode", errcode: 45009 });
    expect((await (await wxaCode(token, JSON.stringify({ scene: "a" }))).json()).errcode).toBe(45009);
  });
});

describe("GET /wxa/checksession and /wxa/resetusersessionkey", () => {
  it("accepts only the current key's signature and hmac_sha256, and masks the signature in the log", async () => {
    const token = await appToken();
    const first = await login();
    const check = (openid: string, sig: string, method = "hmac_sha256") =>
      h.getJson("/wxa/checksession", { access_token: token, openid, signature: sig, sig_method: method });
    expect(await check(first.openid, signature(first.sessionKey))).toEqual({ errcode: 0, errmsg: "ok" });
    expect((await check(first.openid, signature(first.sessionKey), "md5")).errcode).toBe(87008);
    expect((await check("oUnknownOpenid", signature(first.sessionKey))).errcode).toBe(40003);
    await login();
    expect((await check(first.openid, signature(first.sessionKey))).errcode).toBe(87009);
    const log = await h.getJson("/_emulator/requests");
    const entries = log.entries as Array<{ path: string; query: Record<string, string> }>;
    const logged = entries.find((entry) => entry.path === "/wxa/checksession");
    expect(logged?.query).toMatchObject({ signature: "***", access_token: "***" });
  });

  it("resets to a new key that then checks", async () => {
    const token = await appToken();
    const session = await login();
    const reset = await h.getJson("/wxa/resetusersessionkey", {
      access_token: token,
      openid: session.openid,
      signature: signature(session.sessionKey),
      sig_method: "hmac_sha256",
    });
    expect(reset).toMatchObject({
      errcode: 0,
      openid: session.openid,
      session_key: expect.stringMatching(/==$/),
    });
    const check = await h.getJson("/wxa/checksession", {
      access_token: token,
      openid: session.openid,
      signature: signature(String(reset.session_key)),
      sig_method: "hmac_sha256",
    });
    expect(check.errcode).toBe(0);
  });
});

describe("mini-program control API and phone panel", () => {
  it("issues phone codes for mini programs only, and open data only after a login", async () => {
    expect((await h.post("/_emulator/phone-code", { appid: h.website.appid })).status).toBe(400);
    expect(
      (await h.post("/_emulator/phone-code", { appid: h.miniProgram.appid, userId: "nobody" })).status,
    ).toBe(400);
    const early = await h.post("/_emulator/open-data", { appid: h.miniProgram.appid });
    expect(early.status).toBe(400);
    expect(await early.json()).toMatchObject({ field: "userId", message: expect.stringMatching(/jscode/) });
    await login();
    expect(await h.postJson("/_emulator/open-data", { appid: h.miniProgram.appid })).toEqual({
      rawData: expect.stringContaining('"nickName":"张三"'),
      signature: expect.stringMatching(/^[0-9a-f]{40}$/),
      encryptedData: expect.any(String),
      iv: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/),
    });
  });

  it("the panel's wx.login button issues a code jscode2session accepts, the phone button a phone code", async () => {
    const form = (action: string) =>
      fetch(`${h.url}/_emulator/mini-program/${h.miniProgram.appid}`, {
        method: "POST",
        body: new URLSearchParams({ action, userId: "lily", scene: "s1", page: "pages/login/confirm" }),
      }).then((response) => response.text());
    const loginPage = await form("login");
    const jsCode = /data-kind="js_code">([^<]+)</.exec(loginPage)?.[1] ?? "";
    expect(loginPage).toContain('data-page="pages/login/confirm"');
    const session = await h.getJson("/sns/jscode2session", {
      ...h.miniProgram,
      js_code: jsCode,
      grant_type: "authorization_code",
    });
    expect(session.openid).toEqual(expect.any(String));
    const phonePage = await form("phone");
    expect(phonePage).toMatch(/data-kind="phone_code">[0-9a-f]{64}</);
    expect((await h.get(`/_emulator/mini-program/${h.website.appid}`)).status).toBe(404);
  });
});
