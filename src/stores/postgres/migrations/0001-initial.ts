import type { PostgresMigration } from "./index.js";

/**
 * Record times are epoch ms (bigint), as in the Store contract. Lock leases
 * are timestamptz on the database clock, so every instance judges them by
 * the same clock.
 */
export const initial: PostgresMigration = {
  name: "0001-initial",
  up: async ({ context: { client, schema: s } }) => {
    await client.query(`
      CREATE TABLE ${s}.states (
        state text PRIMARY KEY,
        browser_binding text NOT NULL,
        return_to text NOT NULL,
        appid text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        used_at bigint,
        session_id_hash text
      );
      CREATE INDEX states_expires_at ON ${s}.states (expires_at);

      CREATE TABLE ${s}.sessions (
        id_hash text PRIMARY KEY,
        user_id text NOT NULL,
        appid text NOT NULL,
        openid text NOT NULL,
        created_at bigint NOT NULL,
        idle_expires_at bigint NOT NULL,
        absolute_expires_at bigint NOT NULL
      );
      CREATE INDEX sessions_idle ON ${s}.sessions (idle_expires_at);
      CREATE INDEX sessions_absolute ON ${s}.sessions (absolute_expires_at);
      CREATE INDEX sessions_user_id ON ${s}.sessions (user_id);

      CREATE TABLE ${s}.users (
        id text PRIMARY KEY,
        unionid text UNIQUE,
        nickname text NOT NULL,
        headimgurl text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );

      CREATE TABLE ${s}.identities (
        appid text NOT NULL,
        openid text NOT NULL,
        unionid text,
        user_id text NOT NULL REFERENCES ${s}.users (id) ON DELETE CASCADE,
        created_at bigint NOT NULL,
        PRIMARY KEY (appid, openid)
      );
      CREATE INDEX identities_user_id ON ${s}.identities (user_id);

      CREATE TABLE ${s}.tokens (
        key text PRIMARY KEY,
        access_token text NOT NULL,
        refresh_token text,
        scope text NOT NULL,
        access_expires_at bigint NOT NULL,
        refresh_expires_at bigint,
        updated_at bigint NOT NULL,
        gone_at bigint NOT NULL
      );
      CREATE INDEX tokens_gone_at ON ${s}.tokens (gone_at);

      CREATE TABLE ${s}.locks (
        name text PRIMARY KEY,
        fencing_token bigint NOT NULL,
        lease_ends_at timestamptz NOT NULL
      );
    `);
  },
};
