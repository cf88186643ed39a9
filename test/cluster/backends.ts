import { Redis } from "ioredis";
import pg from "pg";
import {
  countRows,
  deleteRedisKeys,
  dropSchema,
  redisKeys,
  runName,
  withParam,
} from "../support/backends.js";
import { POSTGRES_URL, REDIS_URL } from "../support/databases.js";

/**
 * The shared store of a cluster test, seen two ways: the URL the instances
 * use (through the test's proxy, in a namespace of this run) and a direct
 * admin connection that counts what they wrote, whatever the proxy does.
 */
export interface ClusterBackend {
  readonly name: string;
  /** Where the real server listens: the proxy forwards here. */
  readonly target: { host: string; port: number };
  /** `STORE_URL` for the instances, pointing at the proxy on `port`. */
  storeUrl(port: number): string;
  sessions(): Promise<number>;
  users(): Promise<number>;
  /** True once a callback consumed `state` (the store's single-use mark). */
  stateUsed(state: string): Promise<boolean>;
  /** Deletes everything this run wrote and closes the admin connection. */
  cleanup(): Promise<void>;
}

function through(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = "127.0.0.1";
  parsed.port = String(port);
  return parsed.toString();
}

function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port === "" ? defaultPort : Number(parsed.port) };
}

export function redisBackend(): ClusterBackend {
  const prefix = `${runName("cluster")}:`;
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const count = async (kind: string) => (await redisKeys(admin, `${prefix}${kind}:`)).length;
  return {
    name: "Redis",
    target: targetOf(REDIS_URL, 6379),
    storeUrl: (port) => withParam(through(REDIS_URL, port), "prefix", prefix),
    sessions: () => count("session"),
    users: () => count("user"),
    stateUsed: async (state) => (await admin.hexists(`${prefix}state:${state}`, "usedAt")) === 1,
    cleanup: async () => {
      await deleteRedisKeys(admin, prefix);
      admin.disconnect();
    },
  };
}

export function postgresBackend(): ClusterBackend {
  const schema = runName("cluster");
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  admin.on("error", () => undefined);
  return {
    name: "PostgreSQL",
    target: targetOf(POSTGRES_URL, 5432),
    storeUrl: (port) => withParam(through(POSTGRES_URL, port), "schema", schema),
    sessions: () => countRows(admin, schema, "sessions"),
    users: () => countRows(admin, schema, "users"),
    stateUsed: async (state) => {
      const result = await admin.query(
        `SELECT 1 FROM "${schema}".states WHERE state = $1 AND used_at IS NOT NULL`,
        [state],
      );
      return result.rowCount === 1;
    },
    cleanup: async () => {
      await dropSchema(admin, schema);
      await admin.end();
    },
  };
}
