import { describe, expect, it } from "vitest";
import { useEmulator } from "./helpers.js";

const h = useEmulator();
const redirect = "http://localhost:3000/auth/wechat/callback";

function authorize(query: Record<string, string>, init: RequestInit = {}) {
  const search = new URLSearchParams({
    appid: h.officialAccount.appid,
    redirect_uri: redirect,
    response_type: "code",
    scope: "snsapi_base",
    state: "abc123",
    ...query,
  });
  return fetch(`${h.url}/connect/oauth2/authorize?${search}`, { redirect: "manual", ...init });
}

async function whoIs(location: string) {
  const code = new URL(location).searchParams.get("code")!;
  const token = await h.getJson("/sns/oauth2/access_token", {
    ...h.officialAccount,
    code,
    grant_type: "authorization_code",
  });
  return token;
}

async function openidOf(userId: string) {
  const { code } = await h.authorize({ appid: h.officialAccount.appid, userId });
  const token = await h.getJson("/sns/oauth2/access_token", {
    ...h.officialAccount,
    code: code!,
    grant_type: "authorization_code",
  });
  return token.openid;
}

describe("GET /connect/oauth2/authorize", () => {
  it("redirects silently for snsapi_base with a code for the current user", async () => {
    const response = await authorize({ forcePopup: "true", connect_redirect: "1" });
    expect(response.status).toBe(302);
    const location = response.headers.get("location")!;
    expect(location).toMatch(
      /^http:\/\/localhost:3000\/auth\/wechat\/callback\?code=[A-Za-z0-9_-]+&state=abc123$/,
    );
    const token = await whoIs(location);
    expect(token.scope).toBe("snsapi_base");
    expect(token.openid).toBe(await openidOf("zhangsan"));
  });

  it("acts as the user chosen with POST /_emulator/oauth/user, or by the cookie it sets", async () => {
    const chosen = await h.post("/_emulator/oauth/user", { userId: "lily" });
    expect(await chosen.json()).toEqual({ userId: "lily" });
    expect(chosen.headers.get("set-cookie")).toMatch(/^wxemu_user=lily;/);
    expect((await whoIs((await authorize({})).headers.get("location")!)).openid).toBe(await openidOf("lily"));
    const byCookie = await authorize({}, { headers: { cookie: "wxemu_user=noavatar" } });
    expect((await whoIs(byCookie.headers.get("location")!)).openid).toBe(await openidOf("noavatar"));
    expect((await h.post("/_emulator/oauth/user", { userId: "ghost" })).status).toBe(400);
  });

  it("shows a consent page for snsapi_userinfo; 允许 redirects with a code", async () => {
    const response = await authorize({ scope: "snsapi_userinfo" });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("Demo Official Account");
    expect(page).toContain('name="redirect_uri" value="http://localhost:3000/auth/wechat/callback"');
    const form = new URLSearchParams({
      appid: h.officialAccount.appid,
      redirect_uri: redirect,
      scope: "snsapi_userinfo",
      state: "abc123",
      userId: "lily",
      decision: "allow",
    });
    const allowed = await fetch(`${h.url}/connect/oauth2/authorize`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    expect(allowed.status).toBe(302);
    const token = await whoIs(allowed.headers.get("location")!);
    expect(token.scope).toBe("snsapi_userinfo");
    const info = await h.getJson("/sns/userinfo", {
      access_token: String(token.access_token),
      openid: String(token.openid),
    });
    expect(info.nickname).toBe("Lily 🌸");
  });

  it("拒绝 redirects with state only", async () => {
    const form = new URLSearchParams({
      appid: h.officialAccount.appid,
      redirect_uri: redirect,
      scope: "snsapi_userinfo",
      state: "abc123",
      decision: "deny",
    });
    const denied = await fetch(`${h.url}/connect/oauth2/authorize`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    expect(denied.status).toBe(302);
    expect(denied.headers.get("location")).toBe(`${redirect}?state=abc123`);
  });

  it.each([
    ["a website appid (10016)", { appid: "wx8f3a6b2c1d0e4f57" }, "10016"],
    ["a mini-program appid (10005)", { appid: "wx6d4b2e8f1a3c5e79" }, "10005"],
    ["scope snsapi_login (10005)", { scope: "snsapi_login" }, "10005"],
    ["a foreign redirect_uri (10003)", { redirect_uri: "https://evil.example/cb" }, "10003"],
    ["a subdomain for an official account (10003)", { redirect_uri: "http://sub.localhost/cb" }, "10003"],
    ["an unknown appid", { appid: "wx0000000000000000" }, "40013"],
  ])("shows an error page for %s, never a redirect", async (_case, query, errcode) => {
    const response = await authorize(query);
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain(`data-error="${errcode}"`);
  });

  it("re-checks the consent form: a tampered redirect_uri gets the error page", async () => {
    const form = new URLSearchParams({
      appid: h.officialAccount.appid,
      redirect_uri: "https://evil.example/cb",
      scope: "snsapi_userinfo",
      state: "abc123",
      decision: "allow",
    });
    const response = await fetch(`${h.url}/connect/oauth2/authorize`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("redirect_uri 参数错误");
  });
});
