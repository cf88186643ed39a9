import type { PostgresMigration } from "./index.js";

/**
 * The counter rate-limiter-flexible's RateLimiterPostgres reads and writes. It
 * inserts by position, so the columns keep its order: key, points, expire (epoch ms).
 */
export const RATE_LIMIT_TABLE = "rate_limits";

export const rateLimits: PostgresMigration = {
  name: "0003-rate-limits",
  up: async ({ context: { client, schema: s } }) => {
    await client.query(`
      CREATE TABLE ${s}.${RATE_LIMIT_TABLE} (
        key text PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      );
      CREATE INDEX rate_limits_expire ON ${s}.${RATE_LIMIT_TABLE} (expire);
    `);
  },
};
