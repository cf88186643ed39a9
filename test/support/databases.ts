import { Redis } from "ioredis";
import pg from "pg";
import { requireService } from "./services.js";

/** The Redis and PostgreSQL this machine (and CI) runs; overridable for a developer's own servers. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Whether Redis answers; skips locally, fails in CI, as {@link requireService} does. */
export function requireRedis() {
  return requireService("Redis", async () => {
    const probe = new Redis(REDIS_URL, {
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

/** Whether PostgreSQL answers; skips locally, fails in CI, as {@link requireService} does. */
export function requirePostgres() {
  return requireService("PostgreSQL", async () => {
    const probe = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 1_000 });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      await probe.query("SELECT 1");
    } finally {
      await probe.end().catch(() => undefined);
    }
  });
}
