import type { PoolClient } from "pg";
import { newUserId } from "../rules.js";
import type { LinkIdentityInput, LinkIdentityResult } from "../types.js";
import { type IdentityRow, toIdentity, toUser, type UserRow } from "./rows.js";

/**
 * linkIdentity inside the caller's transaction, with the rules of
 * stores/link.ts. Advisory locks on the identity and the unionid (taken in
 * hash order, so two logins never wait on each other in a cycle) serialize
 * the logins that could touch the same user; READ COMMITTED then sees every
 * earlier winner's rows.
 */
export async function linkInTransaction(
  client: PoolClient,
  s: string,
  input: LinkIdentityInput,
): Promise<LinkIdentityResult> {
  const { appid, openid, unionid, profile, now } = input;
  const lockKeys = [`${s}:identity:${appid}:${openid}`, ...(unionid ? [`${s}:unionid:${unionid}`] : [])];
  await client.query(
    `SELECT pg_advisory_xact_lock(k) FROM (
       SELECT hashtextextended(x, 0) AS k FROM unnest($1::text[]) AS x ORDER BY 1
     ) AS ordered`,
    [lockKeys],
  );

  const found = await client.query<IdentityRow>(
    `SELECT * FROM ${s}.identities WHERE appid = $1 AND openid = $2`,
    [appid, openid],
  );
  const existing = found.rows[0];
  if (existing) {
    let identity = existing;
    if (unionid && !existing.unionid) {
      const updated = await client.query<IdentityRow>(
        `UPDATE ${s}.identities SET unionid = $3 WHERE appid = $1 AND openid = $2 RETURNING *`,
        [appid, openid, unionid],
      );
      identity = updated.rows[0] ?? existing;
    }
    if (unionid) {
      // The user takes the unionid only if no other user holds it: identities never move between users.
      await client.query(
        `UPDATE ${s}.users SET unionid = $2, updated_at = $3
         WHERE id = $1 AND unionid IS NULL AND NOT EXISTS (SELECT 1 FROM ${s}.users WHERE unionid = $2)`,
        [existing.user_id, unionid, now],
      );
    }
    if (profile) {
      await client.query(
        `UPDATE ${s}.users SET nickname = $2, headimgurl = $3, updated_at = $4 WHERE id = $1`,
        [existing.user_id, profile.nickname, profile.headimgurl, now],
      );
    }
    const user = await client.query<UserRow>(`SELECT * FROM ${s}.users WHERE id = $1`, [existing.user_id]);
    if (!user.rows[0]) throw new Error("identity points to a missing user");
    return { user: toUser(user.rows[0]), identity: toIdentity(identity), created: false };
  }

  let user: UserRow | undefined;
  if (unionid) {
    const byUnionid = await client.query<UserRow>(`SELECT * FROM ${s}.users WHERE unionid = $1`, [unionid]);
    user = byUnionid.rows[0];
  }
  const created = !user;
  if (!user) {
    const inserted = await client.query<UserRow>(
      `INSERT INTO ${s}.users (id, unionid, nickname, headimgurl, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5) RETURNING *`,
      [newUserId(), unionid ?? null, profile?.nickname ?? "", profile?.headimgurl ?? "", now],
    );
    user = inserted.rows[0];
  } else if (profile) {
    const updated = await client.query<UserRow>(
      `UPDATE ${s}.users SET nickname = $2, headimgurl = $3, updated_at = $4 WHERE id = $1 RETURNING *`,
      [user.id, profile.nickname, profile.headimgurl, now],
    );
    user = updated.rows[0];
  }
  if (!user) throw new Error("user row vanished during linkIdentity");
  const identity = await client.query<IdentityRow>(
    `INSERT INTO ${s}.identities (appid, openid, unionid, user_id, created_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING *`,
    [appid, openid, unionid ?? null, user.id, now],
  );
  if (!identity.rows[0]) throw new Error("identity insert returned no row");
  return { user: toUser(user), identity: toIdentity(identity.rows[0]), created };
}
