import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { requireService, type ServiceCheck } from "./services.js";

/** The Redis and PostgreSQL the suite runs against; overridable for a CI service container. */
export const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const postgresUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A name no other run uses, for a key prefix or a schema: runs on one server never see each other. */
export function runName(label: string): string {
  return `wl_${label}_${process.pid}_${randomBytes(3).toString("hex")}`;
}

export function requireRedis(): Promise<ServiceCheck> {
  return requireService("Redis", async () => {
    const probe = new Redis(redisUrl, {
      lazyConnect: true,
      connectTimeout: 1_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // connect() only says "Connection is closed."; the error event says why.
    let cause: Error | undefined;
    probe.on("error", (error: Error) => {
      cause = error;
    });
    try {
      await probe.connect().catch((error: unknown) => {
        throw cause ?? error;
      });
      await probe.ping();
    } finally {
      probe.disconnect();
    }
  });
}

export function requirePostgres(): Promise<ServiceCheck> {
  return requireService("PostgreSQL", async () => {
    const probe = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 1_000 });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      await probe.query("SELECT 1");
    } finally {
      await probe.end().catch(() => undefined);
    }
  });
}

/** Every key under `prefix` (SCAN, not KEYS, so a shared server is not blocked). */
export async function redisKeys(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    found.push(...keys);
  } while (cursor !== "0");
  return found.sort();
}

export async function deleteRedisKeys(client: Redis, prefix: string): Promise<void> {
  const keys = await redisKeys(client, prefix);
  if (keys.length > 0) await client.del(...keys);
}

export async function dropSchema(client: pg.Pool | pg.Client, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

export async function countRows(client: pg.Pool | pg.Client, schema: string, table: string): Promise<number> {
  const result = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}"."${table}"`);
  return Number(result.rows[0]?.n ?? 0);
}

/** `url` with one more query parameter, e.g. a store URL with `?prefix=` or `?schema=`. */
export function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}
