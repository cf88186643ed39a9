import { describe, expect, it } from "vitest";
import { safeReturnTo } from "../../src/flow/return-to.js";

describe("safeReturnTo", () => {
  it.each([
    ["/profile", "/profile"],
    ["/a/b?x=1#top", "/a/b?x=1#top"],
    ["/", "/"],
    ["/a/../b", "/b"],
  ])("keeps the same-origin path %s", (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it.each([
    "//evil.com",
    "///evil.com",
    "https://evil.com",
    "http:evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "%2F%2Fevil.com",
    "/%2F%2Fevil.com",
    "/%5Cevil.com",
    "javascript:alert(1)",
    "evil.com",
    " /profile",
    "",
    `/${"a".repeat(3000)}`,
    // Dot segments that resolve to a protocol-relative path.
    "/.//evil.com",
    "/..//evil.com",
    "/a/..//evil.com",
    "/%2e//evil.com",
    "/%2e%2e//evil.com",
  ])("falls back to / for %j", (input) => {
    expect(safeReturnTo(input)).toBe("/");
  });

  it("falls back to / for an absolute same-origin URL whose dot segments leave //", () => {
    expect(safeReturnTo("https://example.com/.//evil.com", "https://example.com")).toBe("/");
  });

  it("falls back to / for a missing value", () => {
    expect(safeReturnTo(null)).toBe("/");
    expect(safeReturnTo(undefined)).toBe("/");
  });
});
