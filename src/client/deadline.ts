import { type Endpoint, WeChatTimeoutError } from "../protocol/index.js";

/**
 * The total time budget of one client call (retries and backoff included),
 * combined with the caller's own AbortSignal. `dispose()` once the call settles.
 */
export class Deadline {
  /** Aborts when the budget runs out or the caller aborts. */
  readonly signal: AbortSignal;
  readonly #timeout: AbortSignal;
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #expiresAt: number;

  constructor(
    readonly totalMs: number,
    caller?: AbortSignal,
  ) {
    const controller = new AbortController();
    this.#timer = setTimeout(() => controller.abort(new DOMException("deadline", "TimeoutError")), totalMs);
    this.#timer.unref();
    this.#timeout = controller.signal;
    this.#caller = caller;
    this.#expiresAt = performance.now() + totalMs;
    this.signal = caller ? AbortSignal.any([this.#timeout, caller]) : this.#timeout;
  }

  /** Stops the timer; a settled call leaves nothing pending behind. */
  dispose(): void {
    clearTimeout(this.#timer);
  }

  remainingMs(): number {
    return Math.max(0, this.#expiresAt - performance.now());
  }

  /**
   * Why the call must stop, if it must: the caller's own abort reason, or a
   * `WeChatTimeoutError` (phase `total`) when the budget ran out.
   */
  abortError(endpoint: Endpoint): unknown {
    if (this.#caller?.aborted) return this.#caller.reason;
    if (this.#timeout.aborted || this.remainingMs() === 0) {
      return new WeChatTimeoutError(endpoint, this.totalMs, "total");
    }
    return undefined;
  }
}
