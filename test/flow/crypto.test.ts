import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isRandomToken, randomToken, sha256 } from "../../src/flow/crypto.js";

describe("randomToken", () => {
  it("hands out 64 hex characters, never the same twice, across many batches of random bytes", () => {
    // 64 tokens per batch: 1,000 tokens cross 15 refills.
    const tokens = Array.from({ length: 1_000 }, () => randomToken());
    expect(tokens.every(isRandomToken)).toBe(true);
    expect(new Set(tokens).size).toBe(tokens.length);
    // Each half-byte value shows up: a wiped (zeroed) batch handed out again would be all zeros.
    expect(new Set(tokens.join("")).size).toBe(16);
    expect(tokens).not.toContain("0".repeat(64));
  });
});

describe("sha256", () => {
  it("is the hex SHA-256 of the UTF-8 text", () => {
    for (const value of ["", "abc", "会话", "a".repeat(10_000)]) {
      expect(sha256(value)).toBe(createHash("sha256").update(value, "utf8").digest("hex"));
    }
  });
});
