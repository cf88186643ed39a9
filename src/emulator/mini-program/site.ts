/**
 * The mini program's `wx.request` to the developer's server, as its confirm
 * page makes it: JSON in and out, the kept bearer token as `Authorization`.
 * It runs in the emulator (the phone), so no browser CORS rule applies, as
 * none applies to a real mini program.
 */
export interface SiteAnswer {
  status: number;
  body: Record<string, unknown>;
}

const TIMEOUT_MS = 5000;

export async function callSite(
  server: string,
  route: "/miniprogram/scan" | "/miniprogram/confirm",
  body: object,
  token?: string,
): Promise<SiteAnswer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    const response = await fetch(`${server.replace(/\/+$/, "")}${route}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const object =
      typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { error: "not_json" };
    return { status: response.status, body: object };
  } catch {
    return { status: 0, body: { error: "unreachable", message: `no answer from ${server}` } };
  }
}
