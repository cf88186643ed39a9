/**
 * Reduces a user-supplied return path to a same-origin relative path, or "/".
 * Browsers treat `\` like `/` and strip tabs/newlines inside URLs, so
 * `/\evil.com` or `/\t/evil.com` would leave the site: anything that could
 * resolve to another origin falls back to "/".
 */
export function safeReturnTo(input: string | null | undefined): string {
  if (typeof input !== "string" || input.length === 0 || input.length > 2048) return "/";
  if (!input.startsWith("/")) return "/";
  // Control characters and backslashes have no place in a path we generated ourselves.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (/[\u0000-\u001f\u007f\\]/.test(input)) return "/";
  if (input.startsWith("//")) return "/";
  const base = "http://return-to.invalid";
  let resolved: URL;
  try {
    resolved = new URL(input, base);
  } catch {
    return "/";
  }
  if (resolved.origin !== base) return "/";
  // Percent-encoded slashes or backslashes decode later in some frameworks' redirects.
  if (/^\/(%2f|%5c)/i.test(resolved.pathname)) return "/";
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
