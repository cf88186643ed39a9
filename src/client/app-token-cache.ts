import type { AppAccessToken } from "../protocol/index.js";
import { abortable } from "./abortable.js";
import { refreshDueAt } from "./refresh-due.js";

// Spec §7: refresh ahead of expiry; 300 s is the common margin.
const MARGIN_MS = 300_000;

/**
 * The app credential held in memory until shortly before it expires, fetched
 * once at a time however many callers ask (single-flight).
 */
export class AppTokenCache {
  #cached: { accessToken: string; expiresAt: number; refreshAt: number } | undefined;
  #inFlight: Promise<AppAccessToken> | undefined;

  constructor(
    private readonly load: () => Promise<AppAccessToken>,
    private readonly now: () => number,
  ) {}

  get(signal?: AbortSignal): Promise<AppAccessToken> {
    const now = this.now();
    const cached = this.#cached;
    if (cached && cached.refreshAt > now) {
      return Promise.resolve({
        accessToken: cached.accessToken,
        expiresIn: Math.floor((cached.expiresAt - now) / 1000),
      });
    }
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return abortable(this.#inFlight, signal);
  }

  async #fetch(): Promise<AppAccessToken> {
    const token = await this.load();
    const fetchedAt = this.now();
    const expiresAt = fetchedAt + token.expiresIn * 1000;
    this.#cached = {
      accessToken: token.accessToken,
      expiresAt,
      refreshAt: refreshDueAt(fetchedAt, expiresAt, MARGIN_MS),
    };
    return token;
  }
}
