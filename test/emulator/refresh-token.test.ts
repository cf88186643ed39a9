import { describe, expect, it } from "vitest";
import { login, RID, useEmulator } from "./helpers.js";

const h = useEmulator();
const DAY = 24 * 3600;

function refresh(appid: string, refreshToken: string) {
  return h.getJson("/sns/oauth2/refresh_token", {
    appid,
    grant_type: "refresh_token",
    refresh_token: refreshToken,
  });
}

function check(token: Record<string, unknown>) {
  return h.getJson("/sns/auth", { access_token: String(token.access_token), openid: String(token.openid) });
}

describe("GET /sns/oauth2/refresh_token", () => {
  it("keeps an unexpired access_token and renews its expiry, without unionid", async () => {
    const token = await login(h, h.website);
    await h.post("/_emulator/clock/advance", { seconds: 7000 });
    const refreshed = await refresh(h.website.appid, String(token.refresh_token));
    expect(refreshed).toEqual({
      access_token: token.access_token,
      expires_in: 7200,
      refresh_token: token.refresh_token,
      openid: token.openid,
      scope: "snsapi_login",
    });
    // 7000 + 1000 s after login: past the original expiry, inside the renewed one.
    await h.post("/_emulator/clock/advance", { seconds: 1000 });
    expect((await check(token)).errcode).toBe(0);
  });

  it("issues a new access_token when the old one expired", async () => {
    const token = await login(h, h.website);
    await h.post("/_emulator/clock/advance", { seconds: 7200 });
    expect((await check(token)).errcode).toBe(42001);
    const refreshed = await refresh(h.website.appid, String(token.refresh_token));
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect(refreshed.access_token).not.toBe(token.access_token);
    expect(refreshed.expires_in).toBe(7200);
    expect((await check(refreshed)).errcode).toBe(0);
  });

  it("lets the refresh_token live 30 days, then answers 42002", async () => {
    const token = await login(h, h.website);
    await h.post("/_emulator/clock/advance", { seconds: 30 * DAY - 1 });
    expect((await refresh(h.website.appid, String(token.refresh_token))).access_token).toEqual(
      expect.any(String),
    );
    await h.post("/_emulator/clock/advance", { seconds: 1 });
    const expired = await refresh(h.website.appid, String(token.refresh_token));
    expect(expired.errcode).toBe(42002);
    expect(expired.errmsg).toMatch(RID);
  });

  it("answers 40030 for an unknown refresh_token or one of another app", async () => {
    const token = await login(h, h.website);
    expect((await refresh(h.website.appid, "nope")).errcode).toBe(40030);
    expect((await refresh(h.unbound.appid, String(token.refresh_token))).errcode).toBe(40030);
  });

  it.each([
    [41002, { grant_type: "refresh_token", refresh_token: "r" }],
    [41003, { appid: "wx8f3a6b2c1d0e4f57", grant_type: "refresh_token" }],
    [40002, { appid: "wx8f3a6b2c1d0e4f57", grant_type: "authorization_code", refresh_token: "r" }],
    [40013, { appid: "wx0000000000000000", grant_type: "refresh_token", refresh_token: "r" }],
  ])("answers %i for bad parameters", async (errcode, query) => {
    expect((await h.getJson("/sns/oauth2/refresh_token", query)).errcode).toBe(errcode);
  });
});
