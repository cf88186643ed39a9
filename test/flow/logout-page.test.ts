import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, type Harness, startHarness, startLogin } from "./harness.js";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

describe("GET /auth/logout", () => {
  it("shows a page whose button posts the logout, and logs no one out by itself", async () => {
    const browser = new Browser(harness.login, "zh-CN,zh;q=0.9");
    await browser.request(await startLogin(harness, browser));
    const page = await browser.request("/auth/logout?returnTo=%2Fbye");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self'");
    const body = await page.text();
    expect(body).toContain('<form method="post" action="/auth/logout?returnTo=%2Fbye">');
    expect(body).toContain("退出登录");
    // Under the login's no-referrer policy a browser would post the form with `Origin: null`, which the logout refuses.
    expect(body).toContain('<meta name="referrer" content="same-origin">');
    // A link or a prefetch reaching the GET leaves the session as it was.
    expect((await browser.request("/auth/session")).status).toBe(200);

    const posted = await browser.request("/auth/logout?returnTo=%2Fbye", { method: "POST" });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe("/bye");
    expect((await browser.request("/auth/session")).status).toBe(401);
  });

  it("never sends the button to another site", async () => {
    const page = await new Browser(harness.login).request(
      "/auth/logout?returnTo=https%3A%2F%2Fevil.example%2F",
    );
    expect(await page.text()).toContain('action="/auth/logout?returnTo=%2F"');
  });
});
