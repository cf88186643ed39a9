import { serialize } from "cookie";
import { describe, expect, it } from "vitest";
import { CookiePolicy } from "../../src/flow/cookies.js";

// CookiePolicy writes the attribute part of each Set-Cookie once; what it sends must stay byte for byte
// what `cookie`'s serialize writes for the same name, value and attributes.
describe("CookiePolicy's Set-Cookie values", () => {
  const values = ["", "a".repeat(64), "0123456789abcdef", "with space;and=semicolon", "中文", "%41"];
  for (const redirectUri of ["https://example.com/auth/callback", "http://localhost:3000/auth/callback"]) {
    const policy = new CookiePolicy(redirectUri);
    const attributes = (maxAge: number) => ({
      httpOnly: true,
      secure: policy.secure,
      sameSite: "lax" as const,
      path: "/",
      maxAge,
    });
    it(`are what cookie's serialize writes (${policy.secure ? "secure" : "plain http"})`, () => {
      for (const value of values) {
        for (const maxAge of [0, 600, 2_592_000]) {
          expect(policy.session(value, maxAge)).toBe(
            serialize(policy.names.session, value, attributes(maxAge)),
          );
          expect(policy.preLogin(value, maxAge)).toBe(
            serialize(policy.names.preLogin, value, attributes(maxAge)),
          );
        }
      }
      expect(policy.clearSession()).toBe(serialize(policy.names.session, "", attributes(0)));
      expect(policy.clearPreLogin()).toBe(serialize(policy.names.preLogin, "", attributes(0)));
      // Asked again, from the remembered attributes: the same strings.
      expect(policy.session("abc", 600)).toBe(serialize(policy.names.session, "abc", attributes(600)));
    });
  }
});
