/** Helpers for tests that write to the shared Redis and PostgreSQL (probes: ./databases.ts). */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type pg from "pg";

/** A name no other run uses, for a key prefix or a schema: runs on one server never see each other. */
export function runName(label: string): string {
  return `wl_${label}_${process.pid}_${randomBytes(3).toString("hex")}`;
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
