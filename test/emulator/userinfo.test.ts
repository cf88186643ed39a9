import { describe, expect, it } from "vitest";
import { login, RID, useEmulator } from "./helpers.js";

const h = useEmulator();

function userinfo(token: Record<string, unknown>, extra: Record<string, string> = {}) {
  return h.getJson("/sns/userinfo", {
    access_token: String(token.access_token),
    openid: String(token.openid),
    ...extra,
  });
}

describe("GET /sns/auth", () => {
  it("answers errcode 0 for a valid token and its openid", async () => {
    const token = await login(h, h.website);
    const response = await h.get("/sns/auth", {
      access_token: String(token.access_token),
      openid: String(token.openid),
    });
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(await response.json()).toEqual({ errcode: 0, errmsg: "ok" });
  });

  it.each([
    [41001, (_t: Record<string, unknown>) => ({ openid: "o" })],
    [41009, (t: Record<string, unknown>) => ({ access_token: String(t.access_token) })],
    [40001, (t: Record<string, unknown>) => ({ access_token: "unknown", openid: String(t.openid) })],
    [
      40003,
      (t: Record<string, unknown>) => ({ access_token: String(t.access_token), openid: "oWrongOpenid" }),
    ],
  ])("answers %i", async (errcode, query) => {
    const token = await login(h, h.website);
    const body = await h.getJson("/sns/auth", query(token));
    expect(body.errcode).toBe(errcode);
    expect(body.errmsg).toMatch(RID);
  });

  it("answers 42001 once the access_token is 7200 s old", async () => {
    const token = await login(h, h.website);
    await h.post("/_emulator/clock/advance", { seconds: 7199 });
    expect(
      (
        await h.getJson("/sns/auth", {
          access_token: String(token.access_token),
          openid: String(token.openid),
        })
      ).errcode,
    ).toBe(0);
    await h.post("/_emulator/clock/advance", { seconds: 1 });
    expect(
      (
        await h.getJson("/sns/auth", {
          access_token: String(token.access_token),
          openid: String(token.openid),
        })
      ).errcode,
    ).toBe(42001);
  });
});

describe("GET /sns/userinfo", () => {
  it("returns the profile with WeChat's post-2021 blanks, emoji intact and unionid when bound", async () => {
    const token = await login(h, h.website, { userId: "lily" });
    const body = await userinfo(token, { lang: "en" });
    expect(body).toEqual({
      openid: token.openid,
      nickname: "Lily 🌸",
      sex: 0,
      province: "",
      city: "",
      country: "",
      headimgurl: `${h.url}/_emulator/avatar/lily/132`,
      privilege: [],
      unionid: token.unionid,
    });
  });

  it("keeps an empty headimgurl empty and omits unionid for an unbound app", async () => {
    const token = await login(h, h.unbound, { userId: "noavatar" });
    const body = await userinfo(token, { lang: "zh_CN" });
    expect(body.nickname).toBe("李四");
    expect(body.headimgurl).toBe("");
    expect(body).not.toHaveProperty("unionid");
  });

  it("answers 48001 for a snsapi_base token, but serves snsapi_userinfo", async () => {
    const base = await login(h, h.officialAccount, { scope: "snsapi_base" });
    expect(base.scope).toBe("snsapi_base");
    // Spec §3.1: unionid only once the user authorized userinfo, never on a snsapi_base token.
    expect(base).not.toHaveProperty("unionid");
    expect((await userinfo(base)).errcode).toBe(48001);
    const full = await login(h, h.officialAccount, { scope: "snsapi_userinfo" });
    expect(full.unionid).toEqual(expect.any(String));
    expect((await userinfo(full, { lang: "zh_TW" })).nickname).toBe("张三");
  });

  it.each([
    [40001, (t: Record<string, unknown>) => ({ access_token: "nope", openid: String(t.openid) })],
    [40003, (t: Record<string, unknown>) => ({ access_token: String(t.access_token), openid: "oX" })],
    [41001, (t: Record<string, unknown>) => ({ openid: String(t.openid) })],
    [41009, (t: Record<string, unknown>) => ({ access_token: String(t.access_token) })],
  ])("answers %i", async (errcode, query) => {
    const token = await login(h, h.website);
    expect((await h.getJson("/sns/userinfo", query(token))).errcode).toBe(errcode);
  });

  it("answers 42001 for an expired token", async () => {
    const token = await login(h, h.website);
    await h.post("/_emulator/clock/advance", { seconds: 7200 });
    expect((await userinfo(token)).errcode).toBe(42001);
  });
});
