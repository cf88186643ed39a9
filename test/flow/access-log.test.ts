import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactHeaders, redactUrl } from "../../src/flow/index.js";

describe("redactUrl", () => {
  it("hides the value of every secret parameter and keeps the rest as sent", () => {
    expect(redactUrl("/auth/callback?code=071abc&state=9f2e&lang=en")).toBe(
      "/auth/callback?code=[redacted]&state=[redacted]&lang=en",
    );
    expect(redactUrl("https://example.com/cb?%63ode=071abc&STATE=x")).toBe(
      "https://example.com/cb?%63ode=[redacted]&STATE=[redacted]",
    );
    expect(redactUrl("/sns/userinfo?access_token=AT&openid=o1")).toBe(
      "/sns/userinfo?access_token=[redacted]&openid=o1",
    );
    expect(redactUrl("/auth/login?returnTo=%2Fprofile")).toBe("/auth/login?returnTo=%2Fprofile");
    expect(redactUrl("/auth/callback?code=abc#state=leak")).toBe("/auth/callback?code=[redacted]");
    expect(
      redactUrl(
        "/auth/mp/events?signature=aaf1&timestamp=1796181141&nonce=2002&openid=o1&msg_signature=9c0e",
      ),
    ).toBe(
      "/auth/mp/events?signature=[redacted]&timestamp=1796181141&nonce=2002&openid=o1&msg_signature=[redacted]",
    );
    expect(redactUrl("/auth/mp/events?signature=aaf1&echostr=2588")).toBe(
      "/auth/mp/events?signature=[redacted]&echostr=[redacted]",
    );
  });

  it("never lets a code or state value through, whatever else the query holds", () => {
    const value = fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/);
    const noise = fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{0,8}$/)));
    fc.assert(
      fc.property(value, value, noise, (code, state, extra) => {
        const pairs = [...extra.map(([name, v]) => `${name}=${v}`), `code=${code}`, `state=${state}`];
        const logged = redactUrl(`/auth/callback?${pairs.reverse().join("&")}`);
        return !logged.includes(code) && !logged.includes(state);
      }),
    );
  });
});

describe("redactHeaders", () => {
  it("drops cookies and credentials and redacts URLs in Referer and Location", () => {
    const headers = new Headers({
      cookie: "wl_session=s3cr3t",
      authorization: "Bearer t0k3n",
      "set-cookie": "wl_login=abc",
      referer: "http://localhost:3000/auth/callback?code=071abc&state=9f2e",
      location: "/profile",
      "user-agent": "Chrome",
    });
    expect(redactHeaders(headers)).toEqual({
      referer: "http://localhost:3000/auth/callback?code=[redacted]&state=[redacted]",
      location: "/profile",
      "user-agent": "Chrome",
    });
  });
});
