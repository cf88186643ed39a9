import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { LoginFlowEvent } from "../../src/flow/index.js";
import { Browser, type Harness, startHarness, startLogin } from "./harness.js";

const events: LoginFlowEvent[] = [];
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ onEvent: (event) => events.push(event), keepTokens: true });
});
afterAll(async () => {
  await harness.close();
});
afterEach(() => {
  events.length = 0;
  vi.restoreAllMocks();
});

describe("onEvent: the steps of a login", () => {
  it("tells each step of a QR login in order, with its time, and every secret masked", async () => {
    const browser = new Browser(harness.login);
    const callback = await startLogin(harness, browser);
    const callbackUrl = new URL(callback);
    const code = callbackUrl.searchParams.get("code")!;
    const state = callbackUrl.searchParams.get("state")!;
    const landed = await browser.request(callback);
    expect(landed.status).toBe(302);

    expect(events.map((event) => event.type)).toEqual([
      "authorize_redirect",
      "callback_received",
      "code_exchanged",
      "userinfo_fetched",
      "login_completed",
    ]);
    // One login: one loginId, from the redirect to the session, on the login's clock.
    expect(new Set(events.map((event) => event.loginId)).size).toBe(1);
    expect(events.every((event) => event.app === "website")).toBe(true);
    const times = events.map((event) => event.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const [authorize, received, exchanged, userinfo, completed] = events;
    if (authorize?.type !== "authorize_redirect") throw new Error("no authorize_redirect");
    const authorizeUrl = new URL(authorize.url);
    expect(authorizeUrl.pathname).toBe("/connect/qrconnect");
    expect(authorizeUrl.searchParams.get("appid")).toBe(harness.website.appid);
    expect(authorizeUrl.searchParams.get("state")).toBe(`${state.slice(0, 4)}…`);
    if (received?.type !== "callback_received") throw new Error("no callback_received");
    expect(received.code).toBe(`${code.slice(0, 4)}…`);
    if (exchanged?.type !== "code_exchanged") throw new Error("no code_exchanged");
    const exchangeUrl = new URL(exchanged.url);
    expect(exchangeUrl.pathname).toBe("/sns/oauth2/access_token");
    expect(exchangeUrl.searchParams.get("secret")).toBe("(hidden)");
    expect(exchanged.answer).toMatchObject({ access_token: "(hidden)", refresh_token: "(hidden)" });
    expect(exchanged.answer.openid).toMatch(/^o/);
    expect(exchanged.durationMs).toBeGreaterThan(0);
    if (userinfo?.type !== "userinfo_fetched") throw new Error("no userinfo_fetched");
    expect(userinfo.answer.nickname).toBe(harness.emulator.users[0]!.nickname);
    if (completed?.type !== "login_completed") throw new Error("no login_completed");
    const session = (await (await browser.request("/auth/session")).json()) as {
      user: { id: string };
      identity: { appid: string; openid: string };
    };
    expect(completed.userId).toBe(session.user.id);

    const accessToken = await harness.login
      .tokens(session.identity.appid)
      .getAccessToken(session.identity.openid);
    const text = JSON.stringify(events);
    for (const secret of [
      code,
      state,
      harness.website.secret,
      accessToken,
      browser.cookies.get("wl_session")!,
    ])
      expect(text).not.toContain(secret);
  });

  it("tells a failed code exchange with WeChat's errcode", async () => {
    const browser = new Browser(harness.login);
    const callback = await startLogin(harness, browser);
    await fetch(`${harness.emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpoint: "/sns/oauth2/access_token", kind: "errcode", errcode: 40029 }),
    });
    await browser.request(callback);
    const failed = events.find((event) => event.type === "wechat_call_failed");
    expect(failed).toMatchObject({ endpoint: "sns/oauth2/access_token", errcode: 40029 });
  });
});

describe("without a logger", () => {
  it("reports a wrong AppSecret once on stderr, in one line with the errcode and a hint", async () => {
    const wrong = await startHarness({ secret: "0".repeat(32), logger: undefined });
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => lines.push(String(line)));
    try {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const browser = new Browser(wrong.login);
        const page = await browser.request(await startLogin(wrong, browser));
        expect(page.status).toBe(502);
      }
    } finally {
      await wrong.close();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^wechat-login: WeChat sns\/oauth2\/access_token failed with errcode 40001 .* — Check the AppSecret/,
    );
    expect(lines[0]).not.toContain("\n");
    expect(lines[0]).not.toContain("0".repeat(32));
  });
});

describe("accessLog", () => {
  it("logs one redacted line per request through the logger", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logged = await startHarness({
      accessLog: true,
      logger: {
        info: (object) => lines.push(object as Record<string, unknown>),
        warn: () => {},
        error: () => {},
      },
    });
    try {
      const browser = new Browser(logged.login);
      const callback = await startLogin(logged, browser);
      await browser.request(callback);
      const state = new URL(callback).searchParams.get("state")!;
      const requests = lines.filter((line) => line.event === "request");
      expect(requests.map((line) => `${line.method} ${line.status}`)).toEqual(["GET 302", "GET 302"]);
      expect(requests[1]?.url).toBe("/auth/callback?code=[redacted]&state=[redacted]");
      expect(JSON.stringify(lines)).not.toContain(state);
    } finally {
      await logged.close();
    }
  });
});
