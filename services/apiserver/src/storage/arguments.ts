// Argument checks and key encoding shared by every backend, so they all accept and refuse
// the same inputs (the conformance suite checks it). Keys are compared as UTF-8 bytes.

import { InvalidArgumentError } from "./errors.js";
import type { ScanOptions } from "./store.js";

/** Longest key, in UTF-8 bytes. Kubernetes keys stay far below it; LMDB allows 1978. */
export const MAX_KEY_BYTES = 1024;

/** Largest value. Stored objects are envelopes of at most a few MiB. */
export const MAX_VALUE_BYTES = 16 * 1024 * 1024;

// A lone surrogate has no UTF-8 form: encoding would silently turn it into U+FFFD and two
// different keys into one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8 bytes of a key, refusing what cannot be stored faithfully. */
export function encodeKey(key: unknown, argument = "key"): Buffer {
  const bytes = encodeKeyText(key, argument);
  if (bytes.length === 0) throw new InvalidArgumentError(argument, "must not be empty");
  return bytes;
}

/** Like encodeKey, but "" is allowed (a prefix or range bound). */
export function encodeKeyText(key: unknown, argument: string): Buffer {
  if (typeof key !== "string") throw new InvalidArgumentError(argument, "must be a string");
  if (LONE_SURROGATE.test(key)) {
    throw new InvalidArgumentError(argument, "contains a lone UTF-16 surrogate");
  }
  const bytes = Buffer.from(key, "utf8");
  if (bytes.length > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(argument, `longer than ${MAX_KEY_BYTES} bytes`);
  }
  return bytes;
}

export function checkValue(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError("value", "must be a Uint8Array");
  }
  if (value.length > MAX_VALUE_BYTES) {
    throw new InvalidArgumentError("value", `larger than ${MAX_VALUE_BYTES} bytes`);
  }
}

/** A revision argument: an integer >= min (1 for expected revisions, 0 for watch). */
export function checkRevision(
  value: unknown,
  argument: string,
  min: 0 | 1,
): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(argument, `must be an integer >= ${min}`);
  }
}

/**
 * The smallest byte string greater than every string that starts with `prefix`, or
 * undefined if there is none (empty prefix, or all 0xff bytes).
 */
export function prefixEnd(prefix: Uint8Array): Buffer | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i];
    if (byte !== undefined && byte !== 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = byte + 1;
      return end;
    }
  }
  return undefined;
}

/** A scan request as a bytewise half-open range [start, end) plus a limit. */
export interface ByteRange {
  readonly start: Buffer;
  readonly end: Buffer | undefined;
  readonly limit: number;
}

export function scanRange(options: ScanOptions): ByteRange {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("options", "must be an object");
  }
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new InvalidArgumentError("limit", "must be an integer >= 1");
  }
  if ("prefix" in options) {
    const start = encodeKeyText(options.prefix, "prefix");
    return { start, end: prefixEnd(start), limit };
  }
  const start = encodeKeyText(options.start, "start");
  const end = options.end === undefined ? undefined : encodeKeyText(options.end, "end");
  return { start, end, limit };
}
