/**
 * What a user confirming on the phone does: asks the emulator's control API to
 * authorize the request in WeChat's authorize URL, and returns WeChat's
 * redirect back to the site's callback.
 */
export async function confirmOnPhone(
  emulatorUrl: string,
  authorizeLocation: string,
  options: { userId?: string; decision?: "allow" | "deny" } = {},
): Promise<string> {
  const url = new URL(authorizeLocation);
  const response = await fetch(`${emulatorUrl}/_emulator/authorize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      appid: url.searchParams.get("appid"),
      redirect_uri: url.searchParams.get("redirect_uri"),
      state: url.searchParams.get("state"),
      scope: url.searchParams.get("scope"),
      userId: options.userId,
      decision: options.decision ?? "allow",
    }),
  });
  if (!response.ok) throw new Error(`emulator authorize failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { location: string }).location;
}
