/**
 * Waits that `close()` can cut short: injected delays and hangs must not keep
 * the process alive after the emulator stops.
 */
export class Holds {
  readonly #releases = new Set<() => void>();

  /** Resolves after `ms` (never, if undefined) or when released, whichever comes first. */
  wait(ms?: number, signal?: { once(event: "close", listener: () => void): unknown }): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const release = () => {
        if (timer) clearTimeout(timer);
        this.#releases.delete(release);
        resolve();
      };
      this.#releases.add(release);
      if (ms !== undefined) timer = setTimeout(release, ms);
      signal?.once("close", release);
    });
  }

  releaseAll(): void {
    for (const release of [...this.#releases]) release();
  }
}
