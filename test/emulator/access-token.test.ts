import { describe, expect, it } from "vitest";
import { RID, useEmulator } from "./helpers.js";

const h = useEmulator({ codeLifetimeSeconds: 300 });

function exchange(query: Record<string, string>) {
  return h.getJson("/sns/oauth2/access_token", { grant_type: "authorization_code", ...query });
}

describe("GET /sns/oauth2/access_token", () => {
  it("exchanges a code for tokens, as text/plain JSON with unionid for a bound app", async () => {
    const { code } = await h.authorize({ appid: h.website.appid, userId: "lily", state: "s1" });
    const response = await h.get("/sns/oauth2/access_token", {
      appid: h.website.appid,
      secret: h.website.secret,
      code: code!,
      grant_type: "authorization_code",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain");
    const body = await response.json();
    expect(body).toEqual({
      access_token: expect.any(String),
      expires_in: 7200,
      refresh_token: expect.any(String),
      openid: expect.stringMatching(/^o[A-Za-z0-9_-]{27}$/),
      scope: "snsapi_login",
      unionid: expect.stringMatching(/^o[A-Za-z0-9_-]{27}$/),
    });
  });

  it("derives openid per app and unionid per open account", async () => {
    const website = await exchange({
      ...h.website,
      code: (await h.authorize({ appid: h.website.appid })).code!,
    });
    const oa = await exchange({
      ...h.officialAccount,
      code: (await h.authorize({ appid: h.officialAccount.appid })).code!,
    });
    const again = await exchange({
      ...h.website,
      code: (await h.authorize({ appid: h.website.appid })).code!,
    });
    const otherUser = await exchange({
      ...h.website,
      code: (await h.authorize({ appid: h.website.appid, userId: "lily" })).code!,
    });
    expect(website.openid).toBe(again.openid);
    expect(website.openid).not.toBe(oa.openid);
    expect(website.unionid).toBe(oa.unionid);
    expect(otherUser.unionid).not.toBe(website.unionid);
  });

  it("gives no unionid for an app not bound to an open account", async () => {
    const body = await exchange({
      ...h.unbound,
      code: (await h.authorize({ appid: h.unbound.appid })).code!,
    });
    expect(body.openid).toEqual(expect.any(String));
    expect(body).not.toHaveProperty("unionid");
  });

  it.each([
    [41002, "missing appid", { secret: "x", code: "c" }],
    [41004, "missing secret", { appid: "wx8f3a6b2c1d0e4f57", code: "c" }],
    [41008, "missing code", { appid: "wx8f3a6b2c1d0e4f57", secret: "x" }],
    [40013, "unknown appid", { appid: "wx0000000000000000", secret: "0".repeat(32), code: "c" }],
    [40013, "malformed appid", { appid: "not-an-appid", secret: "0".repeat(32), code: "c" }],
    [40125, "secret of the wrong shape", { appid: "wx8f3a6b2c1d0e4f57", secret: "short", code: "c" }],
    [40001, "well-formed wrong secret", { appid: "wx8f3a6b2c1d0e4f57", secret: "f".repeat(32), code: "c" }],
    [
      40029,
      "unknown code",
      { appid: "wx8f3a6b2c1d0e4f57", secret: "3b9e2f71c4a8d6e05f1a7c3b9d2e8f40", code: "c" },
    ],
    [
      40029,
      "10 kB code",
      { appid: "wx8f3a6b2c1d0e4f57", secret: "3b9e2f71c4a8d6e05f1a7c3b9d2e8f40", code: "x".repeat(10_000) },
    ],
  ])("answers %i for %s, with a rid", async (errcode, _case, query) => {
    const body = await exchange(query);
    expect(body.errcode).toBe(errcode);
    expect(body.errmsg).toMatch(RID);
  });

  it("answers 40002 for a wrong grant_type", async () => {
    const { code } = await h.authorize({ appid: h.website.appid });
    const body = await h.getJson("/sns/oauth2/access_token", {
      ...h.website,
      code: code!,
      grant_type: "password",
    });
    expect(body.errcode).toBe(40002);
  });

  it("answers 40029 for a code issued to another app", async () => {
    const { code } = await h.authorize({ appid: h.unbound.appid });
    expect((await exchange({ ...h.website, code: code! })).errcode).toBe(40029);
  });

  it("accepts a code once, then answers 40163", async () => {
    const { code } = await h.authorize({ appid: h.website.appid });
    expect((await exchange({ ...h.website, code: code! })).access_token).toEqual(expect.any(String));
    const second = await exchange({ ...h.website, code: code! });
    expect(second.errcode).toBe(40163);
    expect(second.errmsg).toMatch(/^code been used, rid: /);
  });

  it("expires a code after its lifetime on the emulator clock (42003)", async () => {
    const fresh = (await h.authorize({ appid: h.website.appid })).code!;
    const stale = (await h.authorize({ appid: h.website.appid })).code!;
    await h.post("/_emulator/clock/advance", { seconds: 299 });
    expect((await exchange({ ...h.website, code: fresh })).access_token).toEqual(expect.any(String));
    await h.post("/_emulator/clock/advance", { seconds: 1 });
    expect((await exchange({ ...h.website, code: stale })).errcode).toBe(42003);
  });

  it("does not consume a code on a failed credential check", async () => {
    const { code } = await h.authorize({ appid: h.website.appid });
    expect((await exchange({ appid: h.website.appid, secret: "f".repeat(32), code: code! })).errcode).toBe(
      40001,
    );
    expect((await exchange({ ...h.website, code: code! })).access_token).toEqual(expect.any(String));
  });
});

describe("code lifetime option", () => {
  const short = useEmulator({ codeLifetimeSeconds: 10 });
  it("honours codeLifetimeSeconds", async () => {
    const { code } = await short.authorize({ appid: short.website.appid });
    await short.post("/_emulator/clock/advance", { seconds: 10 });
    const body = await short.getJson("/sns/oauth2/access_token", {
      ...short.website,
      code: code!,
      grant_type: "authorization_code",
    });
    expect(body.errcode).toBe(42003);
  });
});
