import { describe, expect, it } from "vitest";
import { useEmulator } from "./helpers.js";

const h = useEmulator();
const redirect = "http://127.0.0.1:5173/auth/callback";

async function openQrPage(query: Record<string, string> = {}) {
  const response = await h.get("/connect/qrconnect", {
    appid: h.website.appid,
    redirect_uri: redirect,
    response_type: "code",
    scope: "snsapi_login",
    state: "st4te",
    ...query,
  });
  const page = await response.text();
  const uuid = /data-uuid="([0-9a-f-]{36})"/.exec(page)?.[1];
  const phoneUrl = /data-phone-url="([^"]+)"/.exec(page)?.[1];
  return { response, page, uuid: uuid!, phoneUrl };
}

async function poll(uuid: string, last?: number) {
  const query: Record<string, string> = { uuid };
  if (last !== undefined) query.last = String(last);
  return (await h.getJson("/connect/l/qrconnect", query)) as {
    wx_errcode: number;
    wx_code: string;
    location?: string;
  };
}

describe("GET /connect/qrconnect", () => {
  it("renders a QR page for a fresh ticket whose QR points at the phone page", async () => {
    const { response, page, uuid, phoneUrl } = await openQrPage();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(uuid).toBeDefined();
    expect(phoneUrl).toBe(`${h.url}/_emulator/phone/${uuid}`);
    expect(page).toMatch(/<img class="qr" alt="QR code" src="data:image\/png;base64,[A-Za-z0-9+/=]+">/);
    expect(page).toContain("Demo Website");
    const tickets = (await h.getJson("/_emulator/tickets")) as { tickets: Array<Record<string, unknown>> };
    expect(tickets.tickets[0]).toMatchObject({
      uuid,
      status: "waiting",
      appid: h.website.appid,
      redirectUri: redirect,
      state: "st4te",
      phonePath: `/_emulator/phone/${uuid}`,
    });
  });

  it("speaks English with lang=en", async () => {
    const { page } = await openQrPage({ lang: "en" });
    expect(page).toContain("Scan with WeChat to log in");
  });

  it.each([
    ["unknown appid", { appid: "wx0000000000000000" }, "AppID 参数错误"],
    ["missing appid", { appid: "" }, "AppID 参数错误"],
    ["official-account appid", { appid: "wx2c7e9a1f4b6d8e03" }, "Scope 参数错误或没有 Scope 权限"],
    ["wrong scope", { scope: "snsapi_userinfo" }, "Scope 参数错误或没有 Scope 权限"],
    ["wrong response_type", { response_type: "token" }, "response_type 参数错误"],
    ["foreign redirect_uri", { redirect_uri: "https://evil.example/cb" }, "redirect_uri 参数错误"],
    ["look-alike domain", { redirect_uri: "http://localhost.evil.example/cb" }, "redirect_uri 参数错误"],
    ["javascript: redirect_uri", { redirect_uri: "javascript:alert(1)" }, "redirect_uri 参数错误"],
    ["missing redirect_uri", { redirect_uri: "" }, "redirect_uri 参数错误"],
  ])("shows WeChat's error page for %s and never redirects", async (_case, query, message) => {
    const { response, page, uuid } = await openQrPage(query);
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(page).toContain(message);
    expect(uuid).toBeUndefined();
    expect(((await h.getJson("/_emulator/tickets")) as { tickets: unknown[] }).tickets).toEqual([]);
  });

  it("accepts a subdomain of a website's callback domain and any port", async () => {
    const { uuid } = await openQrPage({ redirect_uri: "http://app.localhost:9999/cb" });
    expect(uuid).toBeDefined();
  });

  it("escapes app names and stylesheet URLs instead of injecting them", async () => {
    await h.post("/_emulator/apps", {
      kind: "website",
      appid: "wx00000000000000bb",
      secret: "b".repeat(32),
      name: '<script>alert("x")</script>',
      domains: ["127.0.0.1"],
    });
    const { page } = await openQrPage({
      appid: "wx00000000000000bb",
      href: 'https://cdn.example/a.css"><b>',
    });
    expect(page).not.toContain('<script>alert("x")</script>');
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(page).not.toContain('a.css"><b>');
  });
});

describe("QR ticket state machine over the long poll", () => {
  it("waiting (408) → scanned (404) → confirmed (405) with a code that exchanges once", async () => {
    const { uuid } = await openQrPage();
    expect(await poll(uuid)).toEqual({ wx_errcode: 408, wx_code: "" });

    // A poll with last=408 is held until the phone scans.
    let settled = false;
    const held = poll(uuid, 408).then((answer) => {
      settled = true;
      return answer;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    const scan = await h.post(`/_emulator/tickets/${uuid}/scan`, { userId: "lily" });
    expect(scan.status).toBe(200);
    expect(await held).toEqual({ wx_errcode: 404, wx_code: "" });

    const confirm = await h.postJson(`/_emulator/tickets/${uuid}/confirm`);
    const code = (confirm.ticket as { code: string }).code;
    const answer = await poll(uuid, 404);
    expect(answer).toEqual({
      wx_errcode: 405,
      wx_code: code,
      location: `${redirect}?code=${encodeURIComponent(code)}&state=st4te`,
    });
    const token = await h.getJson("/sns/oauth2/access_token", {
      ...h.website,
      code,
      grant_type: "authorization_code",
    });
    const lily = await h.getJson("/sns/userinfo", {
      access_token: String(token.access_token),
      openid: String(token.openid),
    });
    expect(lily.nickname).toBe("Lily 🌸");
  });

  it("refused (403) lands on redirect_uri with state only", async () => {
    const { uuid } = await openQrPage();
    await h.post(`/_emulator/tickets/${uuid}/scan`, {});
    await h.post(`/_emulator/tickets/${uuid}/refuse`);
    expect(await poll(uuid, 404)).toEqual({
      wx_errcode: 403,
      wx_code: "",
      location: `${redirect}?state=st4te`,
    });
  });

  it("expires (402) after the ticket lifetime; reloading the page gives a fresh ticket", async () => {
    const { uuid } = await openQrPage();
    await h.post("/_emulator/clock/advance", { seconds: 299 });
    expect((await poll(uuid)).wx_errcode).toBe(408);
    await h.post("/_emulator/clock/advance", { seconds: 1 });
    expect((await poll(uuid)).wx_errcode).toBe(402);
    const scan = await h.post(`/_emulator/tickets/${uuid}/scan`, {});
    expect(scan.status).toBe(409);
    expect(await scan.json()).toEqual({ error: "invalid_transition", status: "expired" });
    const fresh = await openQrPage();
    expect(fresh.uuid).not.toBe(uuid);
    expect((await poll(fresh.uuid)).wx_errcode).toBe(408);
  });

  it("answers 402 for an unknown ticket", async () => {
    expect((await poll("00000000-0000-0000-0000-000000000000")).wx_errcode).toBe(402);
    expect((await h.getJson("/connect/l/qrconnect")).wx_errcode).toBe(402);
  });
});

describe("ticket control endpoints", () => {
  it("refuse confirming a ticket nobody scanned, and unknown tickets or users", async () => {
    const { uuid } = await openQrPage();
    expect((await h.post(`/_emulator/tickets/${uuid}/confirm`)).status).toBe(409);
    expect((await h.post(`/_emulator/tickets/${uuid}/scan`, { userId: "ghost" })).status).toBe(400);
    expect((await h.post("/_emulator/tickets/nope/confirm")).status).toBe(404);
    expect((await h.get("/_emulator/tickets/nope")).status).toBe(404);
    expect(((await h.getJson(`/_emulator/tickets/${uuid}`)).ticket as { status: string }).status).toBe(
      "waiting",
    );
  });
});

describe("the phone page", () => {
  it("marks the ticket scanned when opened and confirms as the chosen user", async () => {
    const { uuid, phoneUrl } = await openQrPage();
    const phone = await fetch(phoneUrl!);
    const page = await phone.text();
    expect(page).toContain("允许");
    expect(page).toContain("拒绝");
    expect(page).toContain("Lily 🌸");
    expect((await poll(uuid)).wx_errcode).toBe(404);
    const form = new URLSearchParams({ userId: "lily", decision: "allow" });
    const result = await (await fetch(phoneUrl!, { method: "POST", body: form })).text();
    expect(result).toContain('data-status="confirmed"');
    const ticket = (await h.getJson(`/_emulator/tickets/${uuid}`)).ticket as {
      status: string;
      userId: string;
    };
    expect(ticket).toMatchObject({ status: "confirmed", userId: "lily" });
    expect((await poll(uuid)).wx_errcode).toBe(405);
    // Reopening a settled ticket only shows its outcome.
    expect(await (await fetch(phoneUrl!)).text()).toContain('data-status="confirmed"');
  });

  it("refuses with 拒绝", async () => {
    const { uuid, phoneUrl } = await openQrPage();
    await fetch(phoneUrl!);
    const result = await (
      await fetch(phoneUrl!, { method: "POST", body: new URLSearchParams({ decision: "deny" }) })
    ).text();
    expect(result).toContain('data-status="refused"');
    expect((await poll(uuid)).wx_errcode).toBe(403);
  });

  it("answers 404 for an unknown ticket", async () => {
    expect((await h.get("/_emulator/phone/nope")).status).toBe(404);
  });

  it("serves the avatars userinfo points at", async () => {
    const avatar = await h.get("/_emulator/avatar/zhangsan/132");
    expect(avatar.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(await avatar.text()).toContain("张");
    expect((await h.get("/_emulator/avatar/zhangsan/133")).status).toBe(404);
  });
});

describe("phoneBaseUrl option", () => {
  const lan = useEmulator({ phoneBaseUrl: "http://192.168.1.20:3001/" });
  it("points the QR at the configured origin", async () => {
    const page = await (
      await lan.get("/connect/qrconnect", {
        appid: lan.website.appid,
        redirect_uri: redirect,
        scope: "snsapi_login",
        state: "s",
      })
    ).text();
    expect(page).toMatch(/data-phone-url="http:\/\/192\.168\.1\.20:3001\/_emulator\/phone\/[0-9a-f-]{36}"/);
  });
});
