/**
 * One value of a query parameter, or undefined when it is absent or repeated:
 * two values are two readings of one URL, and the flow must not pick a
 * different one than a framework or proxy in front of it did.
 */
export function singleParam(url: URL, name: string): string | undefined {
  const values = url.searchParams.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

/**
 * The characters a WeChat code is made of (the callback's, `wx.login`'s, the
 * phone button's). Real codes are 32 characters of letters and digits; `-`
 * and `_` (base64url) and up to 128 characters leave room for a format
 * change, while anything else (or longer) never reaches WeChat: it is an
 * attack or a broken link, not a code.
 */
export function isWeChatCode(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]{1,128}$/.test(value);
}
