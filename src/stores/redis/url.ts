import { ConfigError } from "../../protocol/errors.js";

/** One host of a multi-host URL. */
export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * What a `redis+cluster://` or `redis+sentinel://` URL names. ioredis parses
 * single-host `redis://` URLs itself, but has no URL form for these two.
 * `options` holds what ioredis would read from a `redis://` URL: the user
 * and password of the data nodes, TLS for `rediss+…`, and every query
 * parameter as a string option (so `?family=6` works as it does there).
 */
export type RedisTopology =
  | { kind: "cluster"; nodes: RedisAddress[]; options: Record<string, unknown> }
  | { kind: "sentinel"; sentinels: RedisAddress[]; name: string; options: Record<string, unknown> };

const defaultPorts = { cluster: 6379, sentinel: 26379 } as const;

const SCHEME = /^(rediss?)\+(cluster|sentinel):\/\//i;

/** True for the URL schemes {@link parseRedisTopology} reads. */
export function isTopologyUrl(url: string): boolean {
  return SCHEME.test(url.trim());
}

/**
 * Parses `redis+cluster://[user:password@]host:port,host:port[?…]` and
 * `redis+sentinel://[user:password@]host:port,…/masterName[/db][?…]`
 * (`rediss+…` for TLS). Errors are `ConfigError`s for `field` that never
 * repeat the URL, which may hold a password.
 */
export function parseRedisTopology(url: string, field: string): RedisTopology {
  const match = SCHEME.exec(url.trim());
  if (!match?.[1] || !match[2]) {
    throw new ConfigError(field, "is not a redis+cluster:// or redis+sentinel:// URL");
  }
  const tls = match[1].toLowerCase() === "rediss";
  const kind = match[2].toLowerCase() as "cluster" | "sentinel";
  const scheme = `${match[1].toLowerCase()}+${kind}://`;
  const example =
    kind === "cluster"
      ? `Use "${scheme}host1:6379,host2:6379?prefix={myapp}:".`
      : `Use "${scheme}host1:26379,host2:26379/mymaster?prefix=myapp:".`;
  const fail = (problem: string): never => {
    throw new ConfigError(field, `${scheme} URL ${problem}`, example);
  };

  const rest = url.trim().slice(match[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? "" : rest.slice(authorityEnd);
  const at = authority.lastIndexOf("@");
  const userinfo = at === -1 ? "" : authority.slice(0, at);
  const hostList = at === -1 ? authority : authority.slice(at + 1);
  if (hostList === "") fail("has no host");
  const addresses = hostList.split(",").map((host) => parseAddress(host, defaultPorts[kind], fail));

  // The hosts are ours; the WHATWG parser reads the rest (userinfo, path, query) as it would for redis://.
  let parsed: URL;
  try {
    parsed = new URL(`redis://${userinfo}${userinfo ? "@" : ""}placeholder${tail}`);
  } catch {
    return fail("is malformed");
  }
  const options: Record<string, unknown> = {};
  for (const [name, value] of parsed.searchParams) {
    options[name] = name === "family" && /^\d+$/.test(value) ? Number(value) : value;
  }
  if (parsed.username || parsed.password) {
    options.username = decodeURIComponent(parsed.username);
    options.password = decodeURIComponent(parsed.password);
  }
  if (tls) options.tls = {};
  const path = parsed.pathname.split("/").filter((segment) => segment !== "");

  if (kind === "cluster") {
    // Redis Cluster has only database 0.
    if (path.length > 0) fail("takes no path: a cluster has only database 0");
    return { kind, nodes: addresses, options };
  }
  const [name, db, ...extra] = path.map((segment) => decodeURIComponent(segment));
  if (!name) return fail("needs the master's name as its path");
  if (extra.length > 0 || (db !== undefined && !/^\d{1,2}$/.test(db))) {
    fail("path must be /masterName or /masterName/db");
  }
  if (db !== undefined) options.db = Number(db);
  if (tls) {
    options.enableTLSForSentinelMode = true;
    options.sentinelTLS = {};
  }
  return { kind, sentinels: addresses, name, options };
}

function parseAddress(raw: string, defaultPort: number, fail: (problem: string) => never): RedisAddress {
  if (raw === "") fail("has an empty host in its host list");
  let parsed: URL;
  try {
    parsed = new URL(`redis://${raw}`);
  } catch {
    return fail("has a malformed host:port");
  }
  // A host part that carried a path, a query or a userinfo is not a bare host:port.
  if (parsed.hostname === "" || parsed.username !== "" || parsed.password !== "" || /[/?#@]/.test(raw)) {
    fail("has a malformed host:port");
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: parsed.port === "" ? defaultPort : Number(parsed.port),
  };
}

/**
 * The hash tag Redis Cluster would hash every key under `prefix` by: the text
 * between the first `{` and the first `}` after it, when not empty. Key parts
 * after the prefix are URI-encoded, so they hold no brace that could move it.
 */
export function hashTagOf(prefix: string): string | undefined {
  const open = prefix.indexOf("{");
  if (open === -1) return undefined;
  const close = prefix.indexOf("}", open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined;
}

/** The default prefix on Redis Cluster: the default one, hash-tagged so every key is in one slot. */
export const defaultClusterPrefix = "{wechat-login}:";

/**
 * On Redis Cluster every multi-key script and MULTI must find its keys in one
 * slot, so the prefix must carry a hash tag; a plain one would fail at run
 * time with CROSSSLOT errors, on some operations only.
 */
export function checkClusterPrefix(prefix: string, field: string): string {
  if (hashTagOf(prefix) === undefined) {
    throw new ConfigError(
      field,
      "on Redis Cluster the key prefix needs a hash tag, so each operation's keys share one slot",
      `Wrap a part of it in braces, e.g. "{myapp}:" (the default there is "${defaultClusterPrefix}").`,
    );
  }
  return prefix;
}
