/**
 * The rules for the identifiers and addresses WeChat login is configured with,
 * in one place: the client's option checks, the login's zod schema and the URL
 * builders all ask these. Each `…Problem` function answers what is wrong with
 * a value (for an error message that never repeats the value), or undefined.
 */

/** A WeChat AppID: `wx` and 16 hexadecimal characters. */
const APPID_PATTERN = /^wx[0-9a-f]{16}$/i;
/** WeChat's AppSecrets are 32 hex characters; emulators and proxies may use others, whitespace never. */
const SECRET_PATTERN = /^[\x21-\x7e]{16,128}$/;
/** Spec §2: a state WeChat round-trips safely is up to 128 letters and digits (`#` or `&` break WxLogin.js). */
const STATE_PATTERN = /^[A-Za-z0-9]{1,128}$/;

export const APPID_RULE = "a WeChat AppID is `wx` followed by 16 hexadecimal characters";
export const SECRET_RULE = "an AppSecret is 16 to 128 visible characters without spaces (WeChat's are 32)";
export const STATE_RULE = "must be 1-128 characters of [A-Za-z0-9]";

export function appidProblem(value: unknown): string | undefined {
  return typeof value === "string" && APPID_PATTERN.test(value) ? undefined : APPID_RULE;
}

export function secretProblem(value: unknown): string | undefined {
  return typeof value === "string" && SECRET_PATTERN.test(value) ? undefined : SECRET_RULE;
}

export function stateProblem(value: unknown): string | undefined {
  return typeof value === "string" && STATE_PATTERN.test(value) ? undefined : STATE_RULE;
}

/** An absolute http(s) URL without a fragment: WeChat appends `?code=` to it, which a hash route would swallow. */
export function redirectUriProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || !URL.canParse(value)) return "not an absolute URL";
  if (!/^https?:$/.test(new URL(value).protocol)) return "must be an http(s) URL";
  if (value.includes("#")) return "must not contain a fragment";
  return undefined;
}

/** A base URL (`openBase`, `apiBase`): absolute http(s), no query, fragment or credentials. */
export function baseUrlProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || !URL.canParse(value)) return "not an absolute URL";
  const url = new URL(value);
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http(s) URL";
  if (url.search || url.hash || url.username || url.password) {
    return "must not carry a query, fragment or credentials";
  }
  return undefined;
}

/** A valid base URL as the builders join it: normalised by URL, without trailing slashes. */
export function normalizeBaseUrl(value: string): string {
  return new URL(value).href.replace(/\/+$/, "");
}

/** Spec B.5: a wxacode scene is at most 32 visible characters of WeChat's set; `%` is not in it. */
const SCENE_PATTERN = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;
/** A mini-program page path: no leading `/`, no query string (spec B.5). */
const WXA_PAGE_PATTERN = /^[A-Za-z0-9_\-.]+(\/[A-Za-z0-9_\-.]+)*$/;

export const SCENE_RULE = "must be 1-32 characters of 0-9A-Za-z!#$&'()*+,/:;=?@-._~";
export const WXA_PAGE_RULE = "must be a page path like pages/login/confirm: no leading /, no query string";

export function sceneProblem(value: unknown): string | undefined {
  return typeof value === "string" && SCENE_PATTERN.test(value) ? undefined : SCENE_RULE;
}

export function wxaPageProblem(value: unknown): string | undefined {
  return typeof value === "string" && value.length <= 256 && WXA_PAGE_PATTERN.test(value)
    ? undefined
    : WXA_PAGE_RULE;
}

/** Spec A.2: the console's Token (令牌) is 3-32 letters and digits. */
const MP_TOKEN_PATTERN = /^[A-Za-z0-9]{3,32}$/;
/** Spec A.4 §1: an EncodingAESKey (消息加解密密钥) is 43 letters and digits. */
const ENCODING_AES_KEY_PATTERN = /^[A-Za-z0-9]{43}$/;
/** An Official Account's original id, `gh_` and 12 hex characters as the console shows it (a little looser here). */
const ORIGINAL_ID_PATTERN = /^gh_[A-Za-z0-9]{1,32}$/;

export const MP_TOKEN_RULE =
  "the Official Account's Token (令牌) is 3-32 letters and digits; it is not the EncodingAESKey";
export const ENCODING_AES_KEY_RULE = "an EncodingAESKey (消息加解密密钥) is 43 letters and digits";
export const ORIGINAL_ID_RULE = "an original id looks like gh_a786fbe98353";

export function mpTokenProblem(value: unknown): string | undefined {
  return typeof value === "string" && MP_TOKEN_PATTERN.test(value) ? undefined : MP_TOKEN_RULE;
}

export function encodingAesKeyProblem(value: unknown): string | undefined {
  return typeof value === "string" && ENCODING_AES_KEY_PATTERN.test(value)
    ? undefined
    : ENCODING_AES_KEY_RULE;
}

export function originalIdProblem(value: unknown): string | undefined {
  return typeof value === "string" && ORIGINAL_ID_PATTERN.test(value) ? undefined : ORIGINAL_ID_RULE;
}
