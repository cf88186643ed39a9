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
