import { describe, expect, it } from "vitest";
import { RID, useEmulator } from "./helpers.js";

const h = useEmulator();

async function jsCode(userId?: string): Promise<string> {
  const body = await h.postJson("/_emulator/jscode", {
    appid: h.miniProgram.appid,
    ...(userId ? { userId } : {}),
  });
  return String(body.js_code);
}

function session(js_code: string, app = h.miniProgram) {
  return h.getJson("/sns/jscode2session", { ...app, js_code, grant_type: "authorization_code" });
}

describe("GET /sns/jscode2session", () => {
  it("exchanges a wx.login() code for openid, session_key and unionid", async () => {
    const response = await h.get("/sns/jscode2session", {
      ...h.miniProgram,
      js_code: await jsCode("lily"),
      grant_type: "authorization_code",
    });
    expect(response.headers.get("content-type")).toBe("text/plain");
    const body = await response.json();
    expect(body).toEqual({
      openid: expect.stringMatching(/^o.{27}$/),
      session_key: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/),
      unionid: expect.stringMatching(/^o.{27}$/),
    });
    // Same open account as the website: same unionid for the same user.
    const { code } = await h.authorize({ appid: h.website.appid, userId: "lily" });
    const web = await h.getJson("/sns/oauth2/access_token", {
      ...h.website,
      code: code!,
      grant_type: "authorization_code",
    });
    expect(web.unionid).toBe(body.unionid);
    expect(web.openid).not.toBe(body.openid);
  });

  it("answers 40029 for an unknown code, 40163 for a used one, 42003 for an expired one", async () => {
    expect((await session("nope")).errcode).toBe(40029);
    const code = await jsCode();
    expect((await session(code)).openid).toEqual(expect.any(String));
    const used = await session(code);
    expect(used.errcode).toBe(40163);
    expect(used.errmsg).toMatch(RID);
    const late = await jsCode();
    await h.post("/_emulator/clock/advance", { seconds: 300 });
    expect((await session(late)).errcode).toBe(42003);
  });

  it("answers 40013 for an appid that is not a mini program", async () => {
    expect((await session(await jsCode(), h.website)).errcode).toBe(40013);
  });

  it("rate-limits one user to 100 calls a minute (45011), then lets them in again", async () => {
    for (let index = 0; index < 100; index += 1) {
      expect((await session(await jsCode("zhangsan"))).openid).toEqual(expect.any(String));
    }
    const limited = await jsCode("zhangsan");
    expect((await session(limited)).errcode).toBe(45011);
    // Another user is not limited.
    expect((await session(await jsCode("lily"))).openid).toEqual(expect.any(String));
    await h.post("/_emulator/clock/advance", { seconds: 60 });
    // A rate-limited call did not use the code up.
    expect((await session(limited)).openid).toEqual(expect.any(String));
  });

  it("answers -1 through an injected fault", async () => {
    await h.post("/_emulator/faults", { endpoint: "/sns/jscode2session", kind: "errcode", errcode: -1 });
    const body = await session(await jsCode());
    expect(body.errcode).toBe(-1);
    expect(body.errmsg).toMatch(/^system error, rid: /);
  });

  it.each([
    [41002, { secret: "s", js_code: "c", grant_type: "authorization_code" }],
    [41004, { appid: "wx6d4b2e8f1a3c5e79", js_code: "c", grant_type: "authorization_code" }],
    [41008, { appid: "wx6d4b2e8f1a3c5e79", secret: "s", grant_type: "authorization_code" }],
    [40002, { appid: "wx6d4b2e8f1a3c5e79", secret: "s", js_code: "c" }],
    [40125, { appid: "wx6d4b2e8f1a3c5e79", secret: "s", js_code: "c", grant_type: "authorization_code" }],
    [
      40001,
      { appid: "wx6d4b2e8f1a3c5e79", secret: "a".repeat(32), js_code: "c", grant_type: "authorization_code" },
    ],
  ])("answers %i for bad parameters", async (errcode, query) => {
    expect((await h.getJson("/sns/jscode2session", query)).errcode).toBe(errcode);
  });
});

describe("POST /_emulator/jscode", () => {
  it("refuses unknown apps, non-mini-programs and unknown users with 400 naming the field", async () => {
    for (const [body, field] of [
      [{ appid: "wx0000000000000000" }, "appid"],
      [{ appid: h.website.appid }, "appid"],
      [{ appid: h.miniProgram.appid, userId: "ghost" }, "userId"],
      [{}, "appid"],
    ] as const) {
      const response = await h.post("/_emulator/jscode", body);
      expect(response.status).toBe(400);
      expect((await response.json()).field).toBe(field);
    }
  });
});
