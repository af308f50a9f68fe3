// The Lua scripts of the Redis backend. Each runs atomically in Redis, so every write is
// one script: check the condition, take the next revision, write the object and its
// index entry, append the change to the log, all or nothing, and reads that must agree
// with a revision (a scan, a log read) read it in the same script.
//
// Values are binary: scripts take and return them as Lua strings (byte strings). Numbers
// are formatted with %d before they become Redis arguments, so a revision is never
// written in exponent notation. Scripts check every condition before their first write:
// Redis does not roll a script back.

import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { redisErrorCode } from "./redis-replies.js";

/** A script run by its SHA1, loaded with EVAL when Redis does not know it (NOSCRIPT). */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    private readonly source: string,
    private readonly keyCount: number,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  checkKeys(keys: readonly string[]): void {
    if (keys.length !== this.keyCount) {
      throw new Error(`script ${this.name} takes ${this.keyCount} keys, got ${keys.length}`);
    }
  }

  async run(
    redis: Redis,
    keys: readonly string[],
    args: readonly (string | Buffer | number)[],
  ): Promise<unknown> {
    this.checkKeys(keys);
    try {
      return await redis.callBuffer("EVALSHA", this.sha, this.keyCount, ...keys, ...args);
    } catch (error) {
      // After a restart (or SCRIPT FLUSH) Redis no longer has the script: EVAL loads it.
      if (redisErrorCode(error) !== "NOSCRIPT") throw error;
      return await redis.callBuffer("EVAL", this.source, this.keyCount, ...keys, ...args);
    }
  }
}

// Object encoding in the objects hash: 16 hex digits createRevision, 16 hex digits
// modRevision, then the value bytes.
const DECODE_CURRENT = `
local function decode(current)
  return tonumber(string.sub(current, 1, 16), 16), tonumber(string.sub(current, 17, 32), 16)
end
`;

/**
 * A conditional write.
 * KEYS: revision, objects, index, log.
 * ARGV: op ("c" create, "u" update, "d" delete), key, value ("" for delete), expected
 * modRevision ("0" = unconditional delete), writer id (recorded in the log entry).
 * Returns {"ok", revision, createRevision[, prevModRevision, prevValue (update, delete)]},
 * {"noop", createRevision, modRevision}, {"exists", modRevision}, {"missing"} or
 * {"conflict", modRevision}.
 */
export const WRITE = new LuaScript(
  "write",
  `${DECODE_CURRENT}
local op, key, value, expected, writer = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local current = redis.call('HGET', KEYS[2], key)
local create, mod, old
if current then create, mod = decode(current) end
if op == 'c' then
  if current then return {'exists', mod} end
else
  if not current then return {'missing'} end
  if expected > 0 and mod ~= expected then return {'conflict', mod} end
  old = string.sub(current, 33)
  if op == 'u' and old == value then return {'noop', create, mod} end
end
local revision = redis.call('INCR', KEYS[1])
local id = string.format('%d-0', revision)
local r = string.format('%d', revision)
if op == 'c' then
  redis.call('HSET', KEYS[2], key, string.format('%016x%016x', revision, revision) .. value)
  redis.call('ZADD', KEYS[3], 0, key)
  redis.call('XADD', KEYS[4], id, 't', 'A', 'k', key, 'v', value, 'c', r, 'w', writer)
  return {'ok', revision, revision}
end
local c, m = string.format('%d', create), string.format('%d', mod)
if op == 'u' then
  redis.call('HSET', KEYS[2], key, string.format('%016x%016x', create, revision) .. value)
  redis.call('XADD', KEYS[4], id, 't', 'M', 'k', key, 'v', value, 'p', old, 'c', c, 'm', m, 'w', writer)
  return {'ok', revision, create, mod, old}
end
redis.call('HDEL', KEYS[2], key)
redis.call('ZREM', KEYS[3], key)
redis.call('XADD', KEYS[4], id, 't', 'D', 'k', key, 'p', old, 'c', c, 'm', m, 'w', writer)
return {'ok', revision, create, mod, old}
`,
  4,
);

/**
 * One key, and when `hold` > 0 the log entries from `hold` on (see RedisStore reads).
 * KEYS: objects, log. ARGV: key, hold. Returns {encoded object or nil[, entries]}.
 */
export const GET = new LuaScript(
  "get",
  `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '0' then return {current} end
return {current, redis.call('XRANGE', KEYS[2], ARGV[2] .. '-0', '+')}
`,
  2,
);

/**
 * An ordered range of keys with their objects and the revision they reflect.
 * KEYS: revision, objects, index, log.
 * ARGV: ZRANGEBYLEX min, max, count (-1 = all), hold (0 = none: otherwise the log entries
 * from `hold` on are returned too, and count grows by their number).
 * Returns {revision, keys, encoded objects, entries}.
 */
export const SCAN = new LuaScript(
  "scan",
  `
local revision = tonumber(redis.call('GET', KEYS[1]) or '0')
local count = tonumber(ARGV[3])
local held = {}
if ARGV[4] ~= '0' then
  held = redis.call('XRANGE', KEYS[4], ARGV[4] .. '-0', '+')
  if count >= 0 then count = count + #held end
end
local keys
if count >= 0 then
  keys = redis.call('ZRANGEBYLEX', KEYS[3], ARGV[1], ARGV[2], 'LIMIT', 0, count)
else
  keys = redis.call('ZRANGEBYLEX', KEYS[3], ARGV[1], ARGV[2])
end
local values = {}
for i = 1, #keys, 1000 do
  local chunk = redis.call('HMGET', KEYS[2], unpack(keys, i, math.min(i + 999, #keys)))
  for j = 1, #chunk do values[#values + 1] = chunk[j] end
end
return {revision, keys, values, held}
`,
  4,
);

/** KEYS: revision, compact. Returns {revision, compactRevision}. */
export const STATE = new LuaScript(
  "state",
  `
return {tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2]) or '0')}
`,
  2,
);

/**
 * Log entries from a revision on, with the revision and compaction point they agree with.
 * KEYS: revision, compact, log. ARGV: first revision, most entries.
 * Returns {revision, compactRevision, entries}; no entries when the first revision is
 * compacted.
 */
export const READ_LOG = new LuaScript(
  "read-log",
  `
local revision = tonumber(redis.call('GET', KEYS[1]) or '0')
local compact = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) <= compact then return {revision, compact, {}} end
return {revision, compact, redis.call('XRANGE', KEYS[3], ARGV[1] .. '-0', '+', 'COUNT', ARGV[2])}
`,
  3,
);

/**
 * One compaction step. Records a time marker (the current revision at Redis's clock, at
 * most one per `spacing` ms), then moves the compaction point to the newest marker older
 * than the window, capped at revision - minRevisions and at `step` revisions per call,
 * trimming the log below it (XTRIM MINID).
 * KEYS: revision, compact, log, times. ARGV: windowMs, minRevisions, spacing ms, step.
 * Returns {compactRevision, 1 if capped by step (run again) else 0}.
 */
export const COMPACT = new LuaScript(
  "compact",
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, floor, spacing, step = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local revision = tonumber(redis.call('GET', KEYS[1]) or '0')
local compact = tonumber(redis.call('GET', KEYS[2]) or '0')
local newest = redis.call('ZREVRANGE', KEYS[4], 0, 0, 'WITHSCORES')
if revision > compact and (#newest == 0 or
    (tonumber(newest[1]) < revision and now - tonumber(newest[2]) >= spacing)) then
  redis.call('ZADD', KEYS[4], string.format('%d', now), string.format('%d', revision))
end
local marker = redis.call('ZREVRANGEBYSCORE', KEYS[4], '(' .. string.format('%d', now - window),
  '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
if #marker == 0 then return {compact, 0} end
local limit = math.min(tonumber(marker[1]), revision - floor)
local target = math.min(limit, compact + step)
if target <= compact then return {compact, 0} end
redis.call('XTRIM', KEYS[3], 'MINID', string.format('%d-0', target + 1))
redis.call('SET', KEYS[2], string.format('%d', target))
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. marker[2])
if limit > target then return {target, 1} end
return {target, 0}
`,
  4,
);
