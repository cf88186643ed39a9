import { StoreError } from "../stores/errors.js";
import type { Store } from "../stores/types.js";
import type { FlowLogger } from "./config.js";

/**
 * Runs `store.purgeExpired` from the login's own requests, at most once per
 * interval, so expired states, sessions and counters are swept on every store
 * without the app scheduling anything. It never delays a request: the purge
 * runs beside it, and a failure is logged, not answered.
 */
export class ExpirySweep {
  private nextAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;

  constructor(
    /** The flow's store, each call bounded by the store deadline: a hung store cannot hold `close()`. */
    private readonly store: Store,
    private readonly intervalMs: number | undefined,
    private readonly now: () => number,
    private readonly log: FlowLogger | undefined,
  ) {}

  /** Starts a purge when the interval has passed since the last one and none is running. */
  poke(): void {
    if (this.intervalMs === undefined || this.running) return;
    const now = this.now();
    if (now < this.nextAt) return;
    this.nextAt = now + this.intervalMs;
    this.running = Promise.resolve()
      .then(() => this.store.purgeExpired(now))
      .catch((error: unknown) => {
        // A StoreError's message names only the store and operation; a raw driver error may quote values.
        const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
        const reason =
          cause instanceof StoreError ? cause.message : cause instanceof Error ? cause.name : "error";
        this.log?.warn(
          { event: "purge_failed", store: this.store.kind, reason },
          "sweeping expired records failed",
        );
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Resolves once a purge in progress has finished (for `login.close()`). */
  async settled(): Promise<void> {
    await this.running;
  }
}
