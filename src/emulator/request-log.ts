// Values that are credentials: the log is readable over HTTP, so they never appear in it.
const MASKED = new Set([
  "secret",
  "code",
  "js_code",
  "access_token",
  "refresh_token",
  "session_key",
  "signature",
]);
const MAX_ENTRIES = 1000;

/** One request the emulator answered (control API excluded). */
export interface RequestLogEntry {
  /** ISO time on the emulator clock. */
  time: string;
  method: string;
  path: string;
  /** Query parameters, credentials replaced by `***`. */
  query: Record<string, string>;
  /** HTTP status, or 0 when a fault dropped the connection without an answer. */
  status: number;
}

/** Masks credential values of a query string. */
export function maskQuery(search: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of search) query[key] = MASKED.has(key) ? "***" : value;
  return query;
}

/** The last requests, and complete per-path counts (tests use them to prove caching and single-flight). */
export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #counts = new Map<string, number>();

  record(entry: RequestLogEntry): void {
    this.#counts.set(entry.path, (this.#counts.get(entry.path) ?? 0) + 1);
    this.#entries.push(entry);
    if (this.#entries.length > MAX_ENTRIES) this.#entries.splice(0, this.#entries.length - MAX_ENTRIES);
  }

  snapshot(): { counts: Record<string, number>; entries: RequestLogEntry[] } {
    return { counts: Object.fromEntries(this.#counts), entries: [...this.#entries] };
  }

  clear(): void {
    this.#entries = [];
    this.#counts.clear();
  }
}
