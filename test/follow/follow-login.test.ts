import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { memoryStore } from "../../src/stores/memory.js";
import {
  confirmOnPhone,
  control,
  type FollowSite,
  type FollowWorld,
  type Format,
  HttpBrowser,
  type Mode,
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
