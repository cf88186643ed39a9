/**
 * Waits that `close()` can cut short: injected delays, hangs and long polls
 * must not keep the process alive after the emulator stops.
 */
export class Holds {
  readonly #releases = new Set<() => void>();
  #closed = false;

  /** True once the emulator is closing: loops that wait must stop. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves after `ms` (never, if undefined), when released, or when `socket` closes. */
  wait(ms?: number, socket?: { once(event: "close", listener: () => void): unknown }): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const release = () => {
        if (timer) clearTimeout(timer);
        this.#releases.delete(release);
        resolve();
      };
      this.#releases.add(release);
      if (ms !== undefined) timer = setTimeout(release, ms);
      socket?.once("close", release);
    });
  }

  releaseAll(): void {
    this.#closed = true;
    for (const release of [...this.#releases]) release();
  }
}
