// Reading Redis replies into typed values, once, at the edge. Replies are requested as
// Buffers (values are binary), so strings arrive as Buffers and integers as numbers.
// A reply of an unexpected shape means the data in Redis is not what this code wrote.

import { StoreCorruptError } from "../errors.js";

export function replyArray(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw unexpected(what, reply);
  return reply as unknown[];
}

export function replyNumber(reply: unknown, what: string): number {
  if (typeof reply === "number" && Number.isSafeInteger(reply)) return reply;
  if (Buffer.isBuffer(reply)) {
    const parsed = Number(reply.toString("latin1"));
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  throw unexpected(what, reply);
}

export function replyBuffer(reply: unknown, what: string): Buffer {
  if (Buffer.isBuffer(reply)) return reply;
  throw unexpected(what, reply);
}

/** A bulk string that may be nil (Lua false / a missing key). */
export function replyOptionalBuffer(reply: unknown, what: string): Buffer | undefined {
  if (reply === null || reply === undefined || reply === false) return undefined;
  return replyBuffer(reply, what);
}

export function replyText(reply: unknown, what: string): string {
  return replyBuffer(reply, what).toString("latin1");
}

/** A copy in its own memory: a slice of a reply would keep the whole reply chunk alive. */
export function ownBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer);
}

function unexpected(what: string, reply: unknown): StoreCorruptError {
  const shown = Buffer.isBuffer(reply)
    ? JSON.stringify(reply.toString("latin1").slice(0, 64))
    : typeof reply;
  return new StoreCorruptError(`unexpected reply from Redis for ${what}: ${shown}`);
}

/**
 * The code of an error Redis replied with: its first word ("NOSCRIPT", "LOADING", "OOM",
 * "BUSY"...), which the Redis protocol defines; undefined for errors that are not Redis
 * replies (connection failures).
 */
export function redisErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== "ReplyError") return undefined;
  const space = error.message.indexOf(" ");
  return space < 0 ? error.message : error.message.slice(0, space);
}

/**
 * Redis error replies that say the command was refused before it ran (so a write had no
 * effect): the server is loading, out of memory, busy with a script, or not a writable
 * primary.
 */
const REFUSED_BEFORE_RUNNING = new Set([
  "LOADING",
  "OOM",
  "BUSY",
  "MISCONF",
  "READONLY",
  "MASTERDOWN",
  "TRYAGAIN",
  "NOREPLICAS",
  "CLUSTERDOWN",
  "NOSCRIPT",
]);

export function refusedBeforeRunning(error: unknown): boolean {
  const code = redisErrorCode(error);
  return code !== undefined && REFUSED_BEFORE_RUNNING.has(code);
}
