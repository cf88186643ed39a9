import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  appsOf,
  SecurityBrowser,
  type SecuritySite,
  STORE_KINDS,
  startSite,
  useEmulator,
  useStore,
} from "../security/support.js";
import { MiniProgramDevice, miniProgramOf, readWxaCode, wxLogin } from "./support.js";

const emulator = useEmulator({ beforeAll, afterAll });

for (const kind of STORE_KINDS) {
  const service = await kind.check();
  describe.skipIf(!service.available)(`scan the mini-program code on ${kind.name}`, () => {
    const backing = useStore(kind, { beforeAll, afterAll });
    const clock = { offsetMs: 0 };
    let site: SecuritySite;
    beforeAll(async () => {
      site = await startSite({
        store: backing(),
        upstream: emulator().url,
        apps: appsOf(emulator()),
        overrides: {
          miniProgram: { ...miniProgramOf(emulator()), siteName: "Demo Shop" },
          now: () => Date.now() + clock.offsetMs,
        },
      });
    });
    afterAll(async () => {
      await site.close();
    });
    afterEach(() => {
      clock.offsetMs = 0;
    });

    /** The website's page asks for a code: its attempt, the scene the code carries, the browser bound to it. */
    async function showCode(returnTo = "/orders") {
      const browser = new SecurityBrowser();
      const answer = await browser.request(
        `${site.url}/auth/miniprogram/qr?returnTo=${encodeURIComponent(returnTo)}`,
      );
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as {
        attemptId: string;
        image: string;
        expiresIn: number;
        poll: string;
      };
      const target = readWxaCode(body.image);
      return { browser, body, target, scene: target.searchParams.get("scene")! };
    }
    const poll = async (browser: SecurityBrowser, attemptId: string) => {
      const answer = await browser.request(`${site.url}/auth/miniprogram/qr/${attemptId}`);
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };

    it("the website's code opens the confirm page; scan, confirm, and the bound browser is logged in once", async () => {
      const { browser, body, target, scene } = await showCode();
      expect(body).toMatchObject({ expiresIn: 300, poll: `/auth/miniprogram/qr/${body.attemptId}` });
      expect(target.pathname).toBe(`/_emulator/mini-program/${miniProgramOf(emulator()).appid}`);
      expect(target.searchParams.get("page")).toBe("pages/login/confirm");
      expect(scene).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect((body as { scene?: string }).scene).toBe(scene);
      expect(await poll(browser, body.attemptId)).toEqual({
        status: 200,
        body: { status: "waiting", expiresIn: expect.toSatisfy((n: number) => n > 290 && n <= 300) },
      });

      const device = new MiniProgramDevice(site.url);
      const scanned = await device.post("/auth/miniprogram/scan", {
        code: await wxLogin(emulator(), "lily"),
        scene,
      });
      expect(scanned.status).toBe(200);
      expect(scanned.body).toMatchObject({
        siteName: "Demo Shop",
        requestedAt: expect.any(Number),
        token: expect.any(String),
      });
      device.token = scanned.body.token as string;
      expect((await poll(browser, body.attemptId)).body.status).toBe("scanned");
      expect((await browser.request(`${site.url}/auth/session`)).status).toBe(401);

      const confirmed = await device.post("/auth/miniprogram/confirm", { scene, decision: "allow" });
      expect(confirmed).toMatchObject({ status: 200, body: { status: "confirmed" } });
      expect(await poll(browser, body.attemptId)).toEqual({
        status: 200,
        body: { status: "confirmed", returnTo: "/orders" },
      });
      const session = await browser.request(`${site.url}/auth/session`);
      expect(session.status).toBe(200);
      expect(((await session.json()) as { user: { id: string } }).user.id).toBe(
        (scanned.body.user as { id: string }).id,
      );
      // Single use: the attempt is spent, its scene dead.
      expect((await poll(browser, body.attemptId)).body.status).toBe("expired");
      const again = await device.post("/auth/miniprogram/confirm", { scene, decision: "allow" });
      expect(again).toMatchObject({ status: 404, body: { error: "attempt_unknown" } });
      expect(site.log.join("\n")).not.toContain(body.attemptId);
    });

    it("another browser cannot poll the attempt, nor take its session", async () => {
      const { body } = await showCode();
      const stranger = new SecurityBrowser();
      expect(await poll(stranger, body.attemptId)).toMatchObject({
        status: 403,
        body: { error: "attempt_other_browser" },
      });
      expect(await poll(stranger, "nope")).toMatchObject({ status: 400, body: { error: "attempt_invalid" } });
      expect((await poll(stranger, "0".repeat(64))).body).toEqual({ status: "expired" });
    });

    it("refusing on the phone tells the website; the code cannot be answered twice", async () => {
      const { browser, body, scene } = await showCode();
      const device = new MiniProgramDevice(site.url);
      const scanned = await device.post("/auth/miniprogram/scan", { code: await wxLogin(emulator()), scene });
      device.token = scanned.body.token as string;
      expect(await device.post("/auth/miniprogram/confirm", { scene, decision: "deny" })).toMatchObject({
        status: 200,
        body: { status: "refused" },
      });
      expect((await poll(browser, body.attemptId)).body.status).toBe("refused");
      expect(await device.post("/auth/miniprogram/confirm", { scene, decision: "allow" })).toMatchObject({
        status: 409,
        body: { error: "attempt_answered" },
      });
      expect((await browser.request(`${site.url}/auth/session`)).status).toBe(401);
    });

    it("bad scans and confirms are 4xx JSON: unknown or malformed scene, a second scan, no session, another user's scene", async () => {
      const { scene } = await showCode();
      const other = await showCode();
      const device = new MiniProgramDevice(site.url);
      const code = await wxLogin(emulator(), "zhangsan");
      expect(await device.post("/auth/miniprogram/scan", { code, scene: "unknownScene" })).toMatchObject({
        status: 404,
        body: { error: "attempt_unknown" },
      });
      expect(await device.post("/auth/miniprogram/scan", { code, scene: "100%" })).toMatchObject({
        status: 400,
        body: { error: "scene_invalid" },
      });
      expect(await device.post("/auth/miniprogram/scan", { code, scene: "x".repeat(33) })).toMatchObject({
        status: 400,
      });
      expect(await device.post("/auth/miniprogram/scan", { scene })).toMatchObject({
        status: 400,
        body: { error: "code_missing" },
      });
      // The code was not spent by the refused scans.
      const scanned = await device.post("/auth/miniprogram/scan", { code, scene });
      expect(scanned.status).toBe(200);
      const second = new MiniProgramDevice(site.url);
      expect(
        await second.post("/auth/miniprogram/scan", { code: await wxLogin(emulator(), "lily"), scene }),
      ).toMatchObject({
        status: 409,
        body: { error: "attempt_already_scanned" },
      });
      // Confirming needs the bearer session of the user who scanned, for that scene.
      expect(
        await new MiniProgramDevice(site.url).post("/auth/miniprogram/confirm", { scene, decision: "allow" }),
      ).toMatchObject({
        status: 401,
        body: { error: "not_logged_in" },
      });
      await second.logIn(emulator(), "lily");
      expect(await second.post("/auth/miniprogram/confirm", { scene, decision: "allow" })).toMatchObject({
        status: 403,
        body: { error: "attempt_other_user" },
      });
      device.token = scanned.body.token as string;
      expect(
        await device.post("/auth/miniprogram/confirm", { scene: other.scene, decision: "allow" }),
      ).toMatchObject({
        status: 403,
        body: { error: "attempt_other_user" },
      });
      expect(await device.post("/auth/miniprogram/confirm", { scene, decision: "maybe" })).toMatchObject({
        status: 400,
        body: { error: "decision_invalid" },
      });
      expect(await device.post("/auth/miniprogram/confirm", undefined, { raw: "scene=x" })).toMatchObject({
        status: 400,
        body: { error: "invalid_body" },
      });
      expect((await device.post("/auth/miniprogram/confirm", { scene, decision: "allow" })).status).toBe(200);
    });

    it("after 300 seconds the attempt is expired for the website and the phone", async () => {
      const { browser, body, scene } = await showCode();
      clock.offsetMs = 301_000;
      expect((await poll(browser, body.attemptId)).body).toEqual({ status: "expired" });
      const device = new MiniProgramDevice(site.url);
      expect(
        await device.post("/auth/miniprogram/scan", { code: await wxLogin(emulator()), scene }),
      ).toMatchObject({
        status: 404,
        body: { error: "attempt_unknown" },
      });
    });
  });
}

describe("the access log", () => {
  it("redacts the attempt id of a poll", async () => {
    const { redactUrl } = await import("../../src/flow/index.js");
    expect(redactUrl(`/auth/miniprogram/qr/${"a".repeat(64)}?x=1`)).toBe(
      "/auth/miniprogram/qr/[redacted]?x=1",
    );
    expect(redactUrl(`http://h/auth/miniprogram/qr/${"b".repeat(64)}`)).toBe(
      "http://h/auth/miniprogram/qr/[redacted]",
    );
    expect(redactUrl("/auth/miniprogram/qr?returnTo=%2F")).toBe("/auth/miniprogram/qr?returnTo=%2F");
  });
});
