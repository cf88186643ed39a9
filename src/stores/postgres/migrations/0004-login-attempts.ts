import type { PostgresMigration } from "./index.js";

/**
 * Login attempts completed on another device (types.ts, LoginAttemptRecord)
 * and the claims of `claimOnce`. A handle is unique per (kind, appid): an
 * expired holder is replaced by the upsert that writes the next one, so the
 * unique index is what makes "unique among live attempts" atomic.
 */
export const loginAttempts: PostgresMigration = {
  name: "0004-login-attempts",
  up: async ({ context: { client, schema: s } }) => {
    await client.query(`
      CREATE TABLE ${s}.attempts (
        id text PRIMARY KEY,
        kind text NOT NULL,
        appid text NOT NULL,
        handle text NOT NULL,
        browser_binding text NOT NULL,
        return_to text NOT NULL,
        status text NOT NULL,
        openid text,
        unionid text,
        ticket text,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE UNIQUE INDEX attempts_handle ON ${s}.attempts (kind, appid, handle);
      CREATE INDEX attempts_expires_at ON ${s}.attempts (expires_at);

      CREATE TABLE ${s}.claims (
        key text PRIMARY KEY,
        expires_at bigint NOT NULL
      );
      CREATE INDEX claims_expires_at ON ${s}.claims (expires_at);
    `);
  },
};
