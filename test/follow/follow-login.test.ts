import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogin, type LoginOptions } from "../../src/flow/index.js";
import { ConfigError } from "../../src/protocol/errors.js";
import type { MpEvent } from "../../src/protocol/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import {
  confirmOnPhone,
  control,
  type FollowSite,
  type FollowWorld,
  type Format,
  HttpBrowser,
  type Mode,
  phone,
  poll,
  startAttempt,
  startFollowSite,
  startWorld,
  type Variant,
} from "./support.js";

let world: FollowWorld;
let site: FollowSite | undefined;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.emulator.close();
});
beforeEach(async () => {
  await control(world, "POST", "/reset");
});
afterEach(async () => {
  await site?.close();
  site = undefined;
});

const MODES: Mode[] = ["plain", "compat", "safe"];
const FORMATS: Format[] = ["xml", "json"];
const VARIANTS: Variant[] = ["qr", "code"];
const matrix = VARIANTS.flatMap((variant) =>
  MODES.flatMap((mode) => FORMATS.map((format) => ({ variant, mode, format }))),
);

describe.each(matrix)("follow to log in: $variant, $mode mode, $format", ({ variant, mode, format }) => {
  it("logs a first-time follower in, then a returning one as the same user", async () => {
    site = await startFollowSite(world, memoryStore(), { mode, format });
    const browser = new HttpBrowser();
    const started = await startAttempt(site, browser, variant);
    expect(started.attemptId).toMatch(/^[0-9a-f]{64}$/);
    expect(started.expiresIn).toBe(300);
    if (variant === "qr") expect(started.qrImageUrl).toContain("/cgi-bin/showqrcode?ticket=");
    else expect(started.code).toMatch(/^\d{6}$/);
    expect((await poll(site, browser, started)).body).toEqual({ status: "waiting" });

    const delivered = await confirmOnPhone(world, started, "lily");
    expect(delivered.body).toMatchObject({ delivered: true, attempts: 1 });
    // XML pushes get the passive reply naming the site; JSON ones are acknowledged with `success`.
    if (format === "xml") expect(String(delivered.body.replyText)).toContain("example.com");

    const done = await poll(site, browser, started);
    expect(done.body).toEqual({ status: "confirmed", redirect: "/profile" });
    const session = await (await browser.get(`${site.url}/auth/session`)).json();
    expect(session.identity).toEqual({ appid: world.officialAccount.appid, openid: expect.any(String) });
    expect(session.user.unionid).toMatch(/^o/);
    // Single use: the pre-login cookie is gone with the attempt, and a replayed poll gets no second session.
    const cookieAfter = new Map(browser.cookies);
    const replay = await poll(site, browser, started);
    expect(replay).toEqual({ status: 403, body: { error: "attempt_other_browser" } });
    expect(browser.cookies).toEqual(cookieAfter);

    const again = new HttpBrowser();
    const second = await startAttempt(site, again, variant);
    await confirmOnPhone(world, second, "lily", true);
    expect((await poll(site, again, second)).body).toMatchObject({ status: "confirmed" });
    const returning = await (await again.get(`${site.url}/auth/session`)).json();
    expect(returning.user.id).toBe(session.user.id);
  });
});

describe("officialAccount.onEvent", () => {
  it("gets the pushes that are not a login's, and a throwing or slow hook never breaks the acknowledgement", async () => {
    const seen: MpEvent[] = [];
    let calls = 0;
    site = await startFollowSite(world, memoryStore(), {
      mode: "safe",
      onEvent: (event) => {
        calls++;
        seen.push(event);
        if (calls === 2) throw new Error("the app's bug");
        if (calls === 3) return new Promise((resolve) => setTimeout(resolve, 10_000));
        return undefined;
      },
    });
    const lily = phone(world, "lily");
    expect((await lily.follow()).body).toMatchObject({ delivered: true });
    expect((await lily.text("hello")).body).toMatchObject({ delivered: true });
    const started = Date.now();
    expect((await lily.unfollow()).body).toMatchObject({ delivered: true, attempts: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen.map((event) => event.type)).toEqual(["subscribe", "text", "unsubscribe"]);
    expect(site.log.some((line) => line.includes('"on_event_failed"'))).toBe(true);
  });
});

describe("options", () => {
  const base = {
    appid: "wx0123456789abcdef",
    secret: "0123456789abcdef0123456789abcdef",
    redirectUri: "https://example.com/auth/callback",
    sessionSecret: "s".repeat(32),
    store: memoryStore(),
  };
  const oa = { appid: "wxfedcba9876543210", secret: "fedcba9876543210fedcba9876543210" };
  it.each([
    [{ ...oa, token: "a b" }, "officialAccount.token"],
    [{ ...oa, token: "emulatorToken2024", encodingAESKey: "short" }, "officialAccount.encodingAESKey"],
    [{ ...oa, followLogin: { variants: ["qr"] } }, "officialAccount.token"],
    [
      { ...oa, token: "emulatorToken2024", followLogin: { variants: [] } },
      "officialAccount.followLogin.variants",
    ],
    [
      { ...oa, token: "emulatorToken2024", followLogin: { variants: ["sms"] } },
      "officialAccount.followLogin.variants.0",
    ],
    [{ ...oa, token: "emulatorToken2024", originalId: "5d2e7a9c3b1f" }, "officialAccount.originalId"],
    [
      { ...oa, token: "emulatorToken2024", previousEncodingAESKey: "a".repeat(43) },
      "officialAccount.encodingAESKey",
    ],
  ])("refuses %j with a ConfigError naming %s, never echoing a value", (officialAccount, field) => {
    let error: unknown;
    try {
      createLogin({ ...base, officialAccount } as LoginOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as Error).message).not.toContain("emulatorToken2024");
  });
});
