import { ConfigError } from "../protocol/errors.js";
import { DRIVERS, loadDriver } from "./drivers.js";
import { memoryStore } from "./memory.js";
import { checkClusterPrefix, isTopologyUrl, parseRedisTopology } from "./redis/url.js";
import type { Store } from "./types.js";

const field = "STORE_URL";

/** Our own query parameters: the Redis key prefix and the PostgreSQL schema. */
type Namespace = "prefix" | "schema";

function sqliteFilename(rest: string): string {
  // sqlite:///var/db/x.db is the URL spelling of an absolute path; sqlite:./x.db and sqlite:/var/db/x.db also work.
  const path = rest.startsWith("//") ? rest.slice(2) : rest;
  if (path === "")
    throw new ConfigError(field, "sqlite: needs a file path", 'Use e.g. "sqlite:./data/wechat-login.db".');
  return path;
}

/**
 * Opens the store a `STORE_URL` names. Drivers for SQLite, Redis and
 * PostgreSQL are optional peer dependencies, loaded only when their URL is used.
 *
 * - `memory:` — this process only (tests, development)
 * - `sqlite:./data/wechat-login.db` — a file, relative to the working directory; `sqlite::memory:`;
 *   needs `better-sqlite3` (`npm install better-sqlite3@12`)
 * - `redis://[:password@]host:6379/0` or `rediss://…` — needs `ioredis`;
 *   `?prefix=myapp:` puts the keys under `myapp:` (default `wechat-login:`)
 * - `redis+cluster://[:password@]host:6379,host:6379?prefix={myapp}:` — a
 *   Redis Cluster; the prefix needs a hash tag (default `{wechat-login}:`)
 * - `redis+sentinel://[:password@]host:26379,host:26379/mymaster[/db]` — the
 *   master a Sentinel group names (`rediss+…` for TLS in both)
 * - `postgres://user:password@host:5432/db` or `postgresql://…` — needs `pg`;
 *   `?schema=myapp` puts the tables in schema `myapp` (default `wechat_login`)
 *
 * `prefix` and `schema` are read and removed here; every other query
 * parameter goes to the driver unchanged. A malformed URL or parameter, or a
 * missing driver, rejects with a `ConfigError` naming `STORE_URL`; the URL
 * itself is never repeated (it may hold a password).
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

/**
 * How the optional drivers are loaded; replaced in tests to simulate one that is not installed.
 * @internal Not in the published declarations, which would otherwise need every driver's types.
 */
export interface DriverLoaders {
  sqlite: () => Promise<typeof import("./sqlite/store.js")>;
  redis: () => Promise<typeof import("./redis.js")>;
  postgres: () => Promise<typeof import("./postgres.js")>;
}

const drivers: DriverLoaders = {
  sqlite: () => import("./sqlite/store.js"),
  redis: () => import("./redis.js"),
  postgres: () => import("./postgres.js"),
};

/** `storeFromUrl` with the driver loaders given: for tests. @internal */
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
      const { openSqliteStore } = await loadDriver(field, "sqlite:", DRIVERS.sqlite, load.sqlite);
      return openSqliteStore({ filename });
    }
    case "redis":
    case "rediss":
    case "redis+cluster":
    case "rediss+cluster":
    case "redis+sentinel":
    case "rediss+sentinel": {
      const { driverUrl, value } = takeParam(url.trim(), "prefix", "schema");
      const prefix = value === undefined ? undefined : checkPrefix(value);
      if (!isTopologyUrl(url)) checkNetworkUrl(url, scheme);
      else if (parseRedisTopology(driverUrl, field).kind === "cluster" && prefix !== undefined) {
        checkClusterPrefix(prefix, field);
      }
      const { redisStore } = await loadDriver(field, `${scheme}://`, DRIVERS.redis, load.redis);
      return redisStore({ url: driverUrl, prefix });
    }
    case "postgres":
    case "postgresql": {
      checkNetworkUrl(url, scheme);
      const { driverUrl, value } = takeParam(url.trim(), "schema", "prefix");
      const schema = value === undefined ? undefined : checkSchema(value);
      const { postgresStore } = await loadDriver(field, "postgres://", DRIVERS.postgres, load.postgres);
      return postgresStore({ connectionString: driverUrl, schema });
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

/**
 * Removes our own query parameter from a store URL and returns its value.
 * Only that parameter's bytes are cut: re-serializing the query would
 * re-encode the driver's own parameters (pg's `options=-c …`, for one).
 */
function takeParam(
  url: string,
  own: Namespace,
  other: Namespace,
): { driverUrl: string; value: string | undefined } {
  const hashAt = url.indexOf("#");
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = beforeHash.indexOf("?");
  if (queryAt === -1) return { driverUrl: url, value: undefined };
  const kept: string[] = [];
  const values: string[] = [];
  for (const pair of beforeHash.slice(queryAt + 1).split("&")) {
    const [rawName, rawValue] = splitPair(pair);
    const name = decodeParam(rawName, "a parameter name");
    if (name === own) values.push(decodeParam(rawValue, `${own}=`));
    else if (name === other) throw misplaced(other);
    else if (pair !== "") kept.push(pair);
  }
  if (values.length > 1) throw new ConfigError(field, `has ${own}= more than once`, `Give ${own}= once.`);
  const query = kept.length > 0 ? `?${kept.join("&")}` : "";
  return {
    driverUrl: `${beforeHash.slice(0, queryAt)}${query}${hashAt === -1 ? "" : url.slice(hashAt)}`,
    value: values[0],
  };
}

function splitPair(pair: string): [string, string] {
  const equalsAt = pair.indexOf("=");
  return equalsAt === -1 ? [pair, ""] : [pair.slice(0, equalsAt), pair.slice(equalsAt + 1)];
}

function decodeParam(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    throw new ConfigError(
      field,
      `has a malformed percent-encoding in ${what}`,
      "Encode it with encodeURIComponent.",
    );
  }
}

function misplaced(name: Namespace): ConfigError {
  return name === "schema"
    ? new ConfigError(field, "schema= is for postgres:// URLs", 'For Redis use "?prefix=myapp:".')
    : new ConfigError(field, "prefix= is for redis:// URLs", 'For PostgreSQL use "?schema=myapp".');
}

// Hash tags ({…}) are allowed so a prefix can pin every key to one Redis Cluster slot.
const PREFIX_PATTERN = /^[A-Za-z0-9:_.{}-]{1,64}$/;
// Quoted by the store, so case is kept; PostgreSQL cuts identifiers at 63 bytes.
const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function checkPrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new ConfigError(
      field,
      "prefix= must be 1 to 64 letters, digits or : _ . - { }",
      'Use e.g. "?prefix=myapp:".',
    );
  }
  return prefix;
}

function checkSchema(schema: string): string {
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new ConfigError(
      field,
      "schema= must be a plain identifier: a letter or _, then letters, digits or _ (at most 63)",
      'Use e.g. "?schema=myapp".',
    );
  }
  return schema;
}
