import type { SqliteMigration } from "./index.js";

/** The counter rate-limiter-flexible's RateLimiterSQLite reads and writes; `expire` is epoch ms. */
export const RATE_LIMIT_TABLE = "wechat_login_rate_limits";

export const rateLimits: SqliteMigration = {
  name: "0003-rate-limits",
  up: ({ context: db }) => {
    db.exec(`
      CREATE TABLE ${RATE_LIMIT_TABLE} (
        key TEXT PRIMARY KEY,
        points INTEGER NOT NULL DEFAULT 0,
        expire INTEGER
      ) STRICT;
      CREATE INDEX ${RATE_LIMIT_TABLE}_expire ON ${RATE_LIMIT_TABLE} (expire);
    `);
  },
};
