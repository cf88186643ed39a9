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

/**
 * A request as recorded on the hot path: the time as a number and the query
 * string as received. Formatting and masking wait until someone reads the log,
 * which is rare next to the requests it records (bench/README.md, scenario 6).
 */
export interface RecordedRequest {
  /** Milliseconds since the epoch on the emulator clock. */
  timeMs: number;
  method: string;
  path: string;
  /** The raw query string, without `?`. Kept in memory only; masked before it leaves the log. */
  search: string;
  status: number;
}

/** Masks credential values of a query string. */
export function maskQuery(search: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of search) query[key] = MASKED.has(key) ? "***" : value;
  return query;
}

function entryOf(recorded: RecordedRequest): RequestLogEntry {
  return {
    time: new Date(recorded.timeMs).toISOString(),
    method: recorded.method,
    path: recorded.path,
    query: maskQuery(new URLSearchParams(recorded.search)),
    status: recorded.status,
  };
}

/** The last requests, and complete per-path counts (tests use them to prove caching and single-flight). */
export class RequestLog {
  // A ring: the oldest entry is overwritten in place instead of shifting 1,000 entries per request.
  #ring: RecordedRequest[] = [];
  #next = 0;
  #counts = new Map<string, number>();

  record(request: RecordedRequest): void {
    this.#counts.set(request.path, (this.#counts.get(request.path) ?? 0) + 1);
    if (this.#ring.length < MAX_ENTRIES) this.#ring.push(request);
    else this.#ring[this.#next] = request;
    this.#next = (this.#next + 1) % MAX_ENTRIES;
  }

  snapshot(): { counts: Record<string, number>; entries: RequestLogEntry[] } {
    const ring = this.#ring;
    const oldestFirst =
      ring.length < MAX_ENTRIES ? ring : [...ring.slice(this.#next), ...ring.slice(0, this.#next)];
    return { counts: Object.fromEntries(this.#counts), entries: oldestFirst.map(entryOf) };
  }

  clear(): void {
    this.#ring = [];
    this.#next = 0;
    this.#counts.clear();
  }
}
