/**
 * Reduces a user-supplied return address to a same-origin relative path, or "/".
 * Browsers treat `\` like `/` and strip tabs/newlines inside URLs, so
 * `/\evil.com` or `/\t/evil.com` would leave the site: anything that could
 * resolve to another origin falls back to "/". An absolute URL is accepted
 * only on `siteOrigin` (the site's public origin) and kept as its path.
 * @example
 * safeReturnTo("https://example.com/ok?x=1#y", "https://example.com"); // "/ok?x=1#y"
 * safeReturnTo("https://evil.example/", "https://example.com"); // "/"
 */
export function safeReturnTo(input: string | null | undefined, siteOrigin?: string): string {
  if (typeof input !== "string" || input.length === 0 || input.length > 2048) return "/";
  const relative = siteOrigin !== undefined ? stripOrigin(input, siteOrigin) : input;
  if (relative === undefined || !relative.startsWith("/")) return "/";
  // Control characters and backslashes have no place in a path we generated ourselves.
  if (hasControlOrBackslash(relative)) return "/";
  if (relative.startsWith("//")) return "/";
  const base = "http://return-to.invalid";
  let resolved: URL;
  try {
    resolved = new URL(relative, base);
  } catch {
    return "/";
  }
  if (resolved.origin !== base) return "/";
  // Dot segments can leave an empty first segment behind (`/.//evil.example` resolves to `//evil.example`):
  // sent as a Location, that is a protocol-relative URL to another host.
  if (resolved.pathname.startsWith("//")) return "/";
  // Percent-encoded slashes or backslashes decode later in some frameworks' redirects.
  if (/^\/(%2f|%5c)/i.test(resolved.pathname)) return "/";
  // A path that decodes to control characters (`%0d%0a`, `%00`) is header or log injection in waiting.
  if (hasControlOrBackslash(decodedOrUndefined(resolved.pathname) ?? "\u0000")) return "/";
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

function stripOrigin(input: string, siteOrigin: string): string | undefined {
  if (input.startsWith("/")) return input;
  if (!/^https?:\/\//i.test(input)) return undefined;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return undefined;
  }
  if (url.origin !== siteOrigin || url.username !== "" || url.password !== "") return undefined;
  // The raw text after the authority, so the checks below see what the user sent, not what URL normalised.
  const afterAuthority = input.slice(input.indexOf("//") + 2);
  const pathStart = afterAuthority.search(/[/?#]/);
  const rest = pathStart === -1 ? "/" : afterAuthority.slice(pathStart);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/;

function hasControlOrBackslash(text: string): boolean {
  return CONTROL_OR_BACKSLASH.test(text);
}

function decodedOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
