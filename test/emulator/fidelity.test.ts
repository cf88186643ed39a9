import { describe, expect, it } from "vitest";
import { authorizeUrl as ourAuthorizeUrl } from "../../src/protocol/urls.js";
import { login, useEmulator } from "./helpers.js";

// Item 7 of issue 16: where the emulator used to differ from documented WeChat.

describe("unionid only where WeChat documents it (spec §3.1)", () => {
  const h = useEmulator();

  it("is absent from a snsapi_base token, present once the user authorized userinfo", async () => {
    const base = await login(h, h.officialAccount, { scope: "snsapi_base" });
    expect(base).toMatchObject({ scope: "snsapi_base", openid: expect.any(String) });
    expect(base).not.toHaveProperty("unionid");
    const full = await login(h, h.officialAccount, { scope: "snsapi_userinfo" });
    expect(full.unionid).toMatch(/^o[\w-]{27}$/);
    expect(full.openid).toBe(base.openid);
  });

  it("is on a website's snsapi_login token, and the same unionid as the Official Account's", async () => {
    const website = await login(h, h.website);
    const oa = await login(h, h.officialAccount, { scope: "snsapi_userinfo" });
    expect(website.unionid).toBe(oa.unionid);
    expect(website.openid).not.toBe(oa.openid);
  });

  it("is absent for an app bound to no Open Platform account", async () => {
    expect(await login(h, h.unbound)).not.toHaveProperty("unionid");
  });
});

describe("is_snapshotuser for a snapshot-page visitor (spec §3.1)", () => {
  const h = useEmulator();

  const addSnapshotUser = async () => {
    const response = await h.post("/_emulator/users", { id: "snap", nickname: "微信用户", snapshot: true });
    expect(response.status).toBe(201);
  };

  it("answers is_snapshotuser: 1 and no unionid in an Official Account's token, also after a refresh", async () => {
    await addSnapshotUser();
    const token = await login(h, h.officialAccount, { scope: "snsapi_userinfo", userId: "snap" });
    expect(token.is_snapshotuser).toBe(1);
    expect(token).not.toHaveProperty("unionid");
    const refreshed = await h.getJson("/sns/oauth2/refresh_token", {
      appid: h.officialAccount.appid,
      grant_type: "refresh_token",
      refresh_token: String(token.refresh_token),
    });
    expect(refreshed.is_snapshotuser).toBe(1);
  });

  it("leaves real users and website logins without the field", async () => {
    await addSnapshotUser();
    expect(await login(h, h.officialAccount, { scope: "snsapi_userinfo" })).not.toHaveProperty(
      "is_snapshotuser",
    );
    // The snapshot page is an Official Account page: a website QR login has no such mode.
    expect(await login(h, h.website, { userId: "snap" })).not.toHaveProperty("is_snapshotuser");
  });
});

describe("strict parameter order for oauth2/authorize (spec §2)", () => {
  const strict = useEmulator({ strictParameterOrder: true });
  const lax = useEmulator();

  const authorizeUrl = (base: string, appid: string, order: string[], extra = "") => {
    const values: Record<string, string> = {
      appid,
      redirect_uri: encodeURIComponent("http://localhost/callback"),
      response_type: "code",
      scope: "snsapi_userinfo",
      state: "abc123",
    };
    return `${base}/connect/oauth2/authorize?${order.map((name) => `${name}=${values[name]}`).join("&")}${extra}#wechat_redirect`;
  };
  const documented = ["appid", "redirect_uri", "response_type", "scope", "state"];
  const swapped = ["redirect_uri", "appid", "response_type", "scope", "state"];

  it("serves the documented order, extras such as connect_redirect after it included", async () => {
    for (const extra of ["", "&forcePopup=true&connect_redirect=1"]) {
      const page = await fetch(authorizeUrl(strict.url, strict.officialAccount.appid, documented, extra));
      expect(await page.text()).toContain('name="decision"');
    }
  });

  it("refuses any other order with an error page naming the order it got, and never redirects", async () => {
    const page = await fetch(authorizeUrl(strict.url, strict.officialAccount.appid, swapped), {
      redirect: "manual",
    });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain("参数错误");
    expect(text).toContain("this URL has redirect_uri, appid, response_type, scope, state");
    const base = ["appid", "redirect_uri", "scope", "response_type", "state"];
    const silent = await fetch(
      authorizeUrl(strict.url, strict.officialAccount.appid, base).replace("snsapi_userinfo", "snsapi_base"),
      { redirect: "manual" },
    );
    expect(silent.status).toBe(200);
    expect(silent.headers.get("location")).toBeNull();
  });

  it("serves the URL our own client builds (forcePopup and connect_redirect included)", async () => {
    const url = ourAuthorizeUrl({
      appid: strict.officialAccount.appid,
      redirectUri: "http://localhost/callback",
      scope: "snsapi_userinfo",
      state: "ours",
      forcePopup: true,
      openBase: strict.url,
    });
    expect(await (await fetch(url)).text()).toContain('name="decision"');
  });

  it("is opt-in: by default the order is not checked", async () => {
    const page = await fetch(authorizeUrl(lax.url, lax.officialAccount.appid, swapped));
    expect(await page.text()).toContain('name="decision"');
  });
});
