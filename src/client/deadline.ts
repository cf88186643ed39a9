import { EventEmitter } from "node:events";
import { type Endpoint, WeChatTimeoutError } from "../protocol/index.js";

/**
 * What undici watches to cancel a request. Its `signal` option takes an
 * EventEmitter as well as an AbortSignal (Dispatcher.request docs); an emitter
 * per call costs a fraction of an AbortController, which showed up at the top
 * of the client's profile (bench/README.md).
 */
class Cancellation extends EventEmitter {
  aborted = false;
  reason: unknown;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit("abort");
  }
}

/**
 * The total time budget of one client call (retries and backoff included),
 * combined with the caller's own AbortSignal. `dispose()` once the call settles.
 */
export class Deadline {
  /** Fires "abort" when the budget runs out or the caller aborts. */
  readonly signal: Cancellation = new Cancellation();
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort: (() => void) | undefined;
  readonly #expiresAt: number;
  #timedOut = false;

  constructor(
    readonly totalMs: number,
    caller?: AbortSignal,
  ) {
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.signal.abort(new DOMException("deadline", "TimeoutError"));
    }, totalMs);
    this.#timer.unref();
    this.#expiresAt = performance.now() + totalMs;
    this.#caller = caller;
    if (caller?.aborted) this.signal.abort(caller.reason);
    else if (caller) {
      this.#onCallerAbort = () => this.signal.abort(caller.reason);
      caller.addEventListener("abort", this.#onCallerAbort, { once: true });
    }
  }

  /** Stops the timer; a settled call leaves nothing pending behind. */
  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onCallerAbort) this.#caller?.removeEventListener("abort", this.#onCallerAbort);
  }

  remainingMs(): number {
    return Math.max(0, this.#expiresAt - performance.now());
  }

  /** Waits `ms` (a retry backoff); false when the call was cancelled meanwhile. */
  pause(ms: number): Promise<boolean> {
    const { signal } = this;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.off("abort", onAbort);
        resolve(true);
      }, ms);
      signal.once("abort", onAbort);
    });
  }

  /**
   * Why the call must stop, if it must: the caller's own abort reason, or a
   * `WeChatTimeoutError` (phase `total`) when the budget ran out.
   */
  abortError(endpoint: Endpoint): unknown {
    if (this.#caller?.aborted) return this.#caller.reason;
    if (this.#timedOut || this.remainingMs() === 0) {
      return new WeChatTimeoutError(endpoint, this.totalMs, "total");
    }
    return undefined;
  }
}
