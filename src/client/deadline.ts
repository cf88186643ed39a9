import { type Endpoint, WeChatTimeoutError } from "../protocol/index.js";

/** What a call is waiting on right now (a request, queued or in flight, or a retry backoff), stoppable. */
export interface Waiting {
  stop(reason: unknown): void;
}

/**
 * The total time budget of one client call (retries and backoff included),
 * combined with the caller's own AbortSignal. A call waits on one thing at a
 * time, so the deadline holds one {@link Waiting} and stops it when the budget
 * runs out or the caller aborts; no AbortController or emitter per call (their
 * cost showed at the top of the client's profile, bench/README.md).
 * `dispose()` once the call settles.
 */
export class Deadline {
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort: (() => void) | undefined;
  readonly #expiresAt: number;
  #timedOut = false;
  #stopped = false;
  #reason: unknown;
  #waiting: Waiting | undefined;

  constructor(
    readonly totalMs: number,
    caller?: AbortSignal,
  ) {
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#stop(new DOMException("deadline", "TimeoutError"));
    }, totalMs);
    this.#timer.unref();
    this.#expiresAt = performance.now() + totalMs;
    this.#caller = caller;
    if (caller?.aborted) this.#stop(caller.reason);
    else if (caller) {
      this.#onCallerAbort = () => this.#stop(caller.reason);
      caller.addEventListener("abort", this.#onCallerAbort, { once: true });
    }
  }

  /** Stops the timer; a settled call leaves nothing pending behind. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#waiting = undefined;
    if (this.#onCallerAbort) this.#caller?.removeEventListener("abort", this.#onCallerAbort);
  }

  remainingMs(): number {
    return Math.max(0, this.#expiresAt - performance.now());
  }

  /** Stops `waiting` if the call must stop while it waits; at once if it already must. */
  watch(waiting: Waiting): void {
    if (this.#stopped) waiting.stop(this.#reason);
    else this.#waiting = waiting;
  }

  /** The wait is over. */
  unwatch(waiting: Waiting): void {
    if (this.#waiting === waiting) this.#waiting = undefined;
  }

  /** Waits `ms` (a retry backoff); false when the call was cancelled meanwhile. */
  pause(ms: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const backoff: Waiting = {
        stop: () => {
          clearTimeout(timer);
          resolve(false);
        },
      };
      const timer = setTimeout(() => {
        this.unwatch(backoff);
        resolve(true);
      }, ms);
      this.watch(backoff);
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

  #stop(reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reason = reason;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.stop(reason);
  }
}
