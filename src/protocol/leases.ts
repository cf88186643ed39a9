/**
 * Leased locks with fencing tokens, held in one process's memory: the lock
 * the in-memory stores offer (the client's `memoryTokenStore` and the
 * `memoryStore` of `wechat-login/stores`). Pure: the caller passes the time,
 * so the table reads no clock of its own.
 */
export class LeaseTable {
  readonly #held = new Map<string, { fencingToken: number; leaseEndsAt: number }>();
  readonly #lastFencingToken = new Map<string, number>();

  /** Takes `name` for `leaseMs` unless someone's lease is still running; its fencing token, or undefined. */
  acquire(name: string, leaseMs: number, now: number): number | undefined {
    const held = this.#held.get(name);
    if (held && held.leaseEndsAt > now) return undefined;
    const fencingToken = (this.#lastFencingToken.get(name) ?? 0) + 1;
    this.#lastFencingToken.set(name, fencingToken);
    this.#held.set(name, { fencingToken, leaseEndsAt: now + leaseMs });
    return fencingToken;
  }

  /** Frees `name` only if `fencingToken` still holds it: a lease that ran out may be someone else's now. */
  release(name: string, fencingToken: number): void {
    if (this.#held.get(name)?.fencingToken === fencingToken) this.#held.delete(name);
  }
}
