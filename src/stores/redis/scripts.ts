import { createHash } from "node:crypto";

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

const lua = (source: string): LuaScript => ({ source, sha: createHash("sha1").update(source).digest("hex") });

/**
 * Each script runs atomically on the Redis server, which is what makes these
 * operations safe across processes. KEYS are declared where they are known
 * up front; `linkIdentity` (the user's keys) and `purgeIndex` (the records an
 * index names) derive more keys from the prefix inside the script. Redis
 * Cluster allows that only within the slot of the declared keys, and so does
 * MULTI: hence the hash tag every prefix carries there (redis/url.ts,
 * `checkClusterPrefix`), which puts all of a store's keys in one slot.
 */

/** KEYS: state. ARGV: now. The used marker stays so a double callback is told `used`, not `missing`. */
export const consumeState = lua(`
local f = redis.call('HMGET', KEYS[1], 'record', 'expiresAt', 'usedAt', 'sessionIdHash')
if not f[1] or tonumber(f[2]) <= tonumber(ARGV[1]) then return {'missing'} end
if f[3] then return {'used', f[1], f[4] or ''} end
redis.call('HSET', KEYS[1], 'usedAt', ARGV[1])
return {'fresh', f[1]}
`);

/** KEYS: state. ARGV: sessionIdHash. Never recreates a state that is gone. */
export const completeState = lua(`
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'sessionIdHash', ARGV[1]) end
return 0
`);

/** KEYS: session, session expiry index. ARGV: requested idle expiry, index member. */
export const touchSession = lua(`
local f = redis.call('HMGET', KEYS[1], 'idleExpiresAt', 'absoluteExpiresAt')
if not f[1] then return 0 end
local current = tonumber(f[1])
local idle = math.min(math.max(current, tonumber(ARGV[1])), tonumber(f[2]))
if idle == current then return 0 end
local value = string.format('%.0f', idle)
redis.call('HSET', KEYS[1], 'idleExpiresAt', value)
redis.call('ZADD', KEYS[2], value, ARGV[2])
return 1
`);

/**
 * KEYS: identity, unionid index. ARGV: appid, openid, unionid ('' for none),
 * new user id, now, has profile ('1'/'0'), nickname, headimgurl, key prefix,
 * identity member. Same rules as stores/link.ts: by (appid, openid), then by
 * unionid, else a new user; an identity never moves to another user.
 */
export const linkIdentity = lua(`
local appid, openid, unionid, newId, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local hasProfile, prefix = ARGV[6] == '1', ARGV[9]
local created = 0
local userId = redis.call('HGET', KEYS[1], 'userId')
if userId then
  local userKey = prefix .. 'user:' .. userId
  if unionid ~= '' then
    if not redis.call('HGET', KEYS[1], 'unionid') then redis.call('HSET', KEYS[1], 'unionid', unionid) end
    if not redis.call('HGET', userKey, 'unionid') and redis.call('EXISTS', KEYS[2]) == 0 then
      redis.call('HSET', userKey, 'unionid', unionid, 'updatedAt', now)
      redis.call('SET', KEYS[2], userId)
    end
  end
else
  if unionid ~= '' then userId = redis.call('GET', KEYS[2]) end
  if not userId then
    userId = newId
    created = 1
    redis.call('HSET', prefix .. 'user:' .. userId, 'id', userId, 'nickname', '', 'headimgurl', '',
      'createdAt', now, 'updatedAt', now)
    if unionid ~= '' then
      redis.call('HSET', prefix .. 'user:' .. userId, 'unionid', unionid)
      redis.call('SET', KEYS[2], userId)
    end
  end
  redis.call('HSET', KEYS[1], 'appid', appid, 'openid', openid, 'userId', userId, 'createdAt', now)
  if unionid ~= '' then redis.call('HSET', KEYS[1], 'unionid', unionid) end
  redis.call('SADD', prefix .. 'user-identities:' .. userId, ARGV[10])
end
local userKey = prefix .. 'user:' .. userId
if hasProfile then redis.call('HSET', userKey, 'nickname', ARGV[7], 'headimgurl', ARGV[8], 'updatedAt', now) end
return {created, redis.call('HGETALL', userKey), redis.call('HGETALL', KEYS[1])}
`);

/** KEYS: token, token expiry index. ARGV: access token, index member. Compare-and-expire (spec §7). */
export const expireToken = lua(`
if redis.call('HGET', KEYS[1], 'accessToken') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`);

/** KEYS: lock, fencing counter. ARGV: lease ms. The counter has no TTL: fencing tokens must never repeat. */
export const acquireLock = lua(`
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
return token
`);

/** KEYS: lock. ARGV: fencing token. Deletes only the caller's own lease, never a successor's. */
export const releaseLock = lua(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** KEYS: expiry index. ARGV: now, key prefix of the members, batch size. */
export const purgeIndex = lua(`
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(members) do redis.call('DEL', ARGV[2] .. member) end
if #members > 0 then redis.call('ZREM', KEYS[1], unpack(members)) end
return #members
`);

/**
 * KEYS: attempt, handle, attempt expiry index, handle expiry index. ARGV:
 * now, immutable fields (JSON), expiresAt, status, openid, unionid, ticket
 * ('' for none), GC TTL ms, attempt index member, handle index member, id.
 * Refuses a handle (or id) held by a live attempt; an expired holder is
 * deleted (its key, named in the handle, shares the slot of the prefix).
 */
export const putAttempt = lua(`
local now = tonumber(ARGV[1])
local held = redis.call('HMGET', KEYS[2], 'expiresAt', 'key', 'member')
if held[1] and tonumber(held[1]) > now then return 0 end
local own = redis.call('HGET', KEYS[1], 'expiresAt')
if own and tonumber(own) > now then return 0 end
if held[2] then
  redis.call('DEL', held[2])
  redis.call('ZREM', KEYS[3], held[3])
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'base', ARGV[2], 'expiresAt', ARGV[3], 'status', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'openid', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'unionid', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'ticket', ARGV[7]) end
redis.call('HSET', KEYS[2], 'id', ARGV[11], 'expiresAt', ARGV[3], 'key', KEYS[1], 'member', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[9])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[10])
return 1
`);

/**
 * KEYS: attempt. ARGV: expected status, now, then status, openid, unionid,
 * ticket to set ('' leaves a field as it is). Compare-and-set on the status.
 */
export const updateAttempt = lua(`
local f = redis.call('HMGET', KEYS[1], 'status', 'expiresAt')
if not f[1] or f[1] ~= ARGV[1] or tonumber(f[2]) <= tonumber(ARGV[2]) then return false end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'status', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'openid', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'unionid', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'ticket', ARGV[6]) end
return redis.call('HGETALL', KEYS[1])
`);

/** KEYS: claim, claim expiry index. ARGV: expiresAt, now, GC TTL ms, index member. Set-if-absent. */
export const claimOnce = lua(`
local held = redis.call('GET', KEYS[1])
if held and tonumber(held) > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[4])
return 1
`);
