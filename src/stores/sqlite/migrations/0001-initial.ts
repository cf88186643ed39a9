import type { SqliteMigration } from "./index.js";

/**
 * Tables are prefixed `wechat_login_` because the file may be the
 * application's own database. Times are epoch ms (INTEGER), as in the Store contract.
 */
export const initial: SqliteMigration = {
  name: "0001-initial",
  up: ({ context: db }) => {
    db.exec(`
      CREATE TABLE wechat_login_states (
        state TEXT PRIMARY KEY,
        browser_binding TEXT NOT NULL,
        return_to TEXT NOT NULL,
        appid TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        session_id_hash TEXT
      ) STRICT;
      CREATE INDEX wechat_login_states_expires_at ON wechat_login_states (expires_at);

      CREATE TABLE wechat_login_sessions (
        id_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        appid TEXT NOT NULL,
        openid TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        idle_expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX wechat_login_sessions_idle ON wechat_login_sessions (idle_expires_at);
      CREATE INDEX wechat_login_sessions_absolute ON wechat_login_sessions (absolute_expires_at);
      CREATE INDEX wechat_login_sessions_user_id ON wechat_login_sessions (user_id);

      CREATE TABLE wechat_login_users (
        id TEXT PRIMARY KEY,
        unionid TEXT UNIQUE,
        nickname TEXT NOT NULL,
        headimgurl TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE wechat_login_identities (
        appid TEXT NOT NULL,
        openid TEXT NOT NULL,
        unionid TEXT,
        user_id TEXT NOT NULL REFERENCES wechat_login_users (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (appid, openid)
      ) STRICT;
      CREATE INDEX wechat_login_identities_user_id ON wechat_login_identities (user_id);

      CREATE TABLE wechat_login_tokens (
        key TEXT PRIMARY KEY,
        access_token TEXT NOT NULL,
        refresh_token TEXT,
        scope TEXT NOT NULL,
        access_expires_at INTEGER NOT NULL,
        refresh_expires_at INTEGER,
        updated_at INTEGER NOT NULL,
        gone_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX wechat_login_tokens_gone_at ON wechat_login_tokens (gone_at);

      CREATE TABLE wechat_login_locks (
        name TEXT PRIMARY KEY,
        fencing_token INTEGER NOT NULL,
        lease_ends_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
