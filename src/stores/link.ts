import { newUserId } from "./rules.js";
import type { IdentityRecord, LinkIdentityInput, LinkIdentityResult, UserRecord } from "./types.js";

/** The reads and writes `linkIdentity` needs, for stores whose driver is synchronous (memory, SQLite). */
export interface LinkRepository {
  findIdentity(appid: string, openid: string): IdentityRecord | undefined;
  findUser(userId: string): UserRecord | undefined;
  findUserByUnionid(unionid: string): UserRecord | undefined;
  insertUser(user: UserRecord): void;
  updateUser(user: UserRecord): void;
  insertIdentity(identity: IdentityRecord): void;
  setIdentityUnionid(appid: string, openid: string, unionid: string): void;
}

/**
 * The identity rules (spec §7–8): key by (appid, openid); link to one user by
 * unionid when present, also when it appears later. The caller runs this in
 * one transaction. An identity never moves to another user: when its late
 * unionid already belongs to someone else, the identity records it but the
 * users stay apart (merging accounts is the application's decision).
 */
export function linkWith(repo: LinkRepository, input: LinkIdentityInput): LinkIdentityResult {
  const { appid, openid, unionid, profile, now } = input;
  const existing = repo.findIdentity(appid, openid);
  if (existing) {
    const user = repo.findUser(existing.userId);
    if (!user) throw new Error("identity points to a missing user");
    let identity = existing;
    if (unionid && !existing.unionid) {
      repo.setIdentityUnionid(appid, openid, unionid);
      identity = { ...existing, unionid };
    }
    const claimUnionid = unionid !== undefined && !user.unionid && !repo.findUserByUnionid(unionid);
    if (!claimUnionid && !profile) return { user, identity, created: false };
    const updated: UserRecord = {
      ...user,
      ...(claimUnionid ? { unionid } : {}),
      ...(profile ? { nickname: profile.nickname, headimgurl: profile.headimgurl } : {}),
      updatedAt: now,
    };
    repo.updateUser(updated);
    return { user: updated, identity, created: false };
  }

  let user = unionid ? repo.findUserByUnionid(unionid) : undefined;
  const created = !user;
  if (!user) {
    user = {
      id: newUserId(),
      unionid,
      nickname: profile?.nickname ?? "",
      headimgurl: profile?.headimgurl ?? "",
      createdAt: now,
      updatedAt: now,
    };
    repo.insertUser(user);
  } else if (profile) {
    user = { ...user, nickname: profile.nickname, headimgurl: profile.headimgurl, updatedAt: now };
    repo.updateUser(user);
  }
  const identity: IdentityRecord = { appid, openid, unionid, userId: user.id, createdAt: now };
  repo.insertIdentity(identity);
  return { user, identity, created };
}
