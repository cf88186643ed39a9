/**
 * The emulator's time: the wall clock plus an offset tests can advance, so
 * lifetimes (codes, tokens, QR tickets) expire without waiting.
 */
export class EmulatorClock {
  #offsetMs = 0;

  /** Milliseconds since the epoch, as the emulator sees it. */
  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Moves time forward; lifetimes are checked against the new time. */
  advance(seconds: number): void {
    this.#offsetMs += seconds * 1000;
  }

  get offsetSeconds(): number {
    return this.#offsetMs / 1000;
  }

  reset(): void {
    this.#offsetMs = 0;
  }
}
