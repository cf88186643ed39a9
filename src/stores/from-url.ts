import { ConfigError } from "../protocol/errors.js";
import { memoryStore } from "./memory.js";
import type { Store } from "./types.js";

const field = "STORE_URL";

/** True when `error` says the optional driver package itself is absent (not some other import failure). */
function isMissingPackage(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && error.message.includes(`'${name}'`)
  );
}

/** Loads a store module whose driver is an optional peer dependency. */
async function loadDriver<T>(scheme: string, driver: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, driver)) throw error;
    throw new ConfigError(
      field,
      `${scheme} stores need the "${driver}" package, which is not installed`,
      `Run \`npm install ${driver}\`, or choose another store.`,
    );
  }
}

function sqliteFilename(rest: string): string {
  // sqlite:///var/db/x.db is the URL spelling of an absolute path; sqlite:./x.db and sqlite:/var/db/x.db also work.
  const path = rest.startsWith("//") ? rest.slice(2) : rest;
  if (path === "")
    throw new ConfigError(field, "sqlite: needs a file path", 'Use e.g. "sqlite:./data/wechat-login.db".');
  return path;
}

/**
 * Opens the store a `STORE_URL` names. Drivers for Redis and PostgreSQL are
 * optional peer dependencies, loaded only when their URL is used.
 *
 * - `memory:` — this process only (tests, development)
 * - `sqlite:./data/wechat-login.db` — a file, relative to the working directory; `sqlite::memory:`
 * - `redis://[:password@]host:6379/0` or `rediss://…` — needs `ioredis`
 * - `postgres://user:password@host:5432/db` or `postgresql://…` — needs `pg`
 *
 * A malformed URL or a missing driver rejects with a `ConfigError` naming
 * `STORE_URL`; the URL itself is never repeated (it may hold a password).
 *
 * @example
 * ```ts
 * import { storeFromUrl } from "wechat-login/stores";
 * const store = await storeFromUrl(process.env.STORE_URL ?? "sqlite:./data/wechat-login.db");
 * ```
 */
export function storeFromUrl(url: string): Promise<Store> {
  return openStoreFromUrl(url, drivers);
}

/** How the optional drivers are loaded; replaced in tests to simulate one that is not installed. */
export interface DriverLoaders {
  redis: () => Promise<typeof import("./redis.js")>;
  postgres: () => Promise<typeof import("./postgres.js")>;
}

const drivers: DriverLoaders = {
  redis: () => import("./redis.js"),
  postgres: () => import("./postgres.js"),
};

/** `storeFromUrl` with the driver loaders given: for tests. */
export async function openStoreFromUrl(url: string, load: DriverLoaders): Promise<Store> {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim());
  if (!match?.[1]) {
    throw new ConfigError(
      field,
      "is not a URL",
      'Use "sqlite:./data/wechat-login.db", "redis://…" or "postgres://…".',
    );
  }
  const scheme = match[1].toLowerCase();
  const rest = url.trim().slice(match[0].length);
  switch (scheme) {
    case "memory":
      return memoryStore();
    case "sqlite": {
      const filename = sqliteFilename(rest);
      const { sqliteStore } = await import("./sqlite.js");
      return sqliteStore({ filename });
    }
    case "redis":
    case "rediss": {
      checkNetworkUrl(url, scheme);
      const { redisStore } = await loadDriver("redis://", "ioredis", load.redis);
      return redisStore({ url: url.trim() });
    }
    case "postgres":
    case "postgresql": {
      checkNetworkUrl(url, scheme);
      const { postgresStore } = await loadDriver("postgres://", "pg", load.postgres);
      return postgresStore({ connectionString: url.trim() });
    }
    default:
      throw new ConfigError(
        field,
        `unsupported scheme "${scheme}:"`,
        'Use "memory:", "sqlite:<file>", "redis://…" or "postgres://…".',
      );
  }
}

function checkNetworkUrl(url: string, scheme: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new ConfigError(field, `is not a valid ${scheme}:// URL`, `Use "${scheme}://host:port/…".`);
  }
  if (parsed.hostname === "") {
    throw new ConfigError(field, `${scheme}:// URL has no host`, `Use "${scheme}://host:port/…".`);
  }
}
