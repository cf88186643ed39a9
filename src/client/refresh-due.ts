/**
 * When a token should be replaced: `marginMs` before it expires, or halfway
 * through its life when it was handed out with less than twice the margin
 * left (a stable_token near its end), so it is not fetched again on every call.
 */
export function refreshDueAt(issuedAt: number, expiresAt: number, marginMs: number): number {
  return expiresAt - Math.min(marginMs, (expiresAt - issuedAt) / 2);
}
