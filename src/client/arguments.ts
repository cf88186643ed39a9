import { InvalidArgumentError } from "../protocol/index.js";

// WeChat's codes and tokens are visible ASCII; WeChat advises room for 512 characters, 1,024 leaves margin.
const OPAQUE_PATTERN = /^[\x21-\x7e]{1,1024}$/;
const OPENID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const LANGS = new Set(["zh_CN", "zh_TW", "en"]);

/**
 * Throws unless `value` is a plausible code or token: 1–1,024 visible ASCII
 * characters. Checked before any I/O; the value is never quoted in the error.
 */
export function assertOpaque(value: unknown, argument: string): asserts value is string {
  if (typeof value !== "string") throw new InvalidArgumentError(argument, "must be a string");
  if (value === "") throw new InvalidArgumentError(argument, "is empty");
  if (!OPAQUE_PATTERN.test(value)) {
    throw new InvalidArgumentError(
      argument,
      value.length > 1024 ? "is too long" : "contains spaces or non-ASCII characters",
    );
  }
}

/** Throws unless `value` looks like an openid: 1–128 characters of `[A-Za-z0-9_-]`. */
export function assertOpenid(value: unknown, argument = "openid"): asserts value is string {
  if (typeof value !== "string" || !OPENID_PATTERN.test(value)) {
    throw new InvalidArgumentError(argument, "not a WeChat openid");
  }
}

/** Throws unless `value` is one of the languages `sns/userinfo` accepts. */
export function assertLang(value: unknown): asserts value is "zh_CN" | "zh_TW" | "en" {
  if (typeof value !== "string" || !LANGS.has(value)) {
    throw new InvalidArgumentError("lang", 'must be "zh_CN", "zh_TW" or "en"');
  }
}
