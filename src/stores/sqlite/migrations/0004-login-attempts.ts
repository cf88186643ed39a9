import type { SqliteMigration } from "./index.js";

/**
 * Login attempts completed on another device (types.ts, LoginAttemptRecord)
 * and the claims of `claimOnce`. A handle is unique per (kind, appid): an
 * expired holder is replaced by the upsert that writes the next one, so the
 * unique index is what makes "unique among live attempts" atomic.
 */
export const loginAttempts: SqliteMigration = {
  name: "0004-login-attempts",
  up: ({ context: db }) => {
    db.exec(`
      CREATE TABLE wechat_login_attempts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        appid TEXT NOT NULL,
        handle TEXT NOT NULL,
        browser_binding TEXT NOT NULL,
        return_to TEXT NOT NULL,
        status TEXT NOT NULL,
        openid TEXT,
        unionid TEXT,
        ticket TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX wechat_login_attempts_handle ON wechat_login_attempts (kind, appid, handle);
      CREATE INDEX wechat_login_attempts_expires_at ON wechat_login_attempts (expires_at);

      CREATE TABLE wechat_login_claims (
        key TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX wechat_login_claims_expires_at ON wechat_login_claims (expires_at);
    `);
  },
};
