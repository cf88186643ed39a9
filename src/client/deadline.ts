import { type Endpoint, WeChatTimeoutError } from "../protocol/index.js";

/** Cancels what a call is waiting on right now: a request in flight, or a retry backoff. */
export type Stop = (reason: unknown) => void;

/**
 * The total time budget of one client call (retries and backoff included),
 * combined with the caller's own AbortSignal. A call waits on one thing at a
 * time, so the deadline holds one {@link Stop} and calls it when the budget
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
  #waiting: Stop | undefined;

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

  /** Calls `stop` when the call must stop while it waits; at once if it already must. */
  watch(stop: Stop): void {
    if (this.#stopped) stop(this.#reason);
    else this.#waiting = stop;
  }

  /** The wait `stop` watched is over. */
  unwatch(stop: Stop): void {
    if (this.#waiting === stop) this.#waiting = undefined;
  }

  /** Waits `ms` (a retry backoff); false when the call was cancelled meanwhile. */
  pause(ms: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.unwatch(wake);
        resolve(true);
      }, ms);
      this.watch(wake);
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
    waiting?.(reason);
  }
}
