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
  checkKey(key, argument);
  return Buffer.from(key, "utf8");
}

/** Checks a key (or, with allowEmpty, a prefix or bound) without encoding it. */
export function checkKey(
  key: unknown,
  argument = "key",
  allowEmpty = false,
): asserts key is string {
  if (typeof key !== "string") throw new InvalidArgumentError(argument, "must be a string");
  if (key === "" && !allowEmpty) throw new InvalidArgumentError(argument, "must not be empty");
  if (LONE_SURROGATE.test(key)) {
    throw new InvalidArgumentError(argument, "contains a lone UTF-16 surrogate");
  }
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(argument, `longer than ${MAX_KEY_BYTES} bytes`);
  }
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
 * A scan request, checked: keys k >= start that start with `prefix` (when given) and are
 * < end (when given), compared as UTF-8 bytes; at most `limit` of them.
 */
export interface KeyRange {
  readonly start: string;
  readonly end: string | undefined;
  readonly prefix: string | undefined;
  readonly limit: number;
}

export function scanRange(options: ScanOptions): KeyRange {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("options", "must be an object");
  }
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new InvalidArgumentError("limit", "must be an integer >= 1");
  }
  if ("prefix" in options) {
    checkKey(options.prefix, "prefix", true);
    return { start: options.prefix, end: undefined, prefix: options.prefix, limit };
  }
  checkKey(options.start, "start", true);
  if (options.end !== undefined) checkKey(options.end, "end", true);
  return { start: options.start, end: options.end, prefix: undefined, limit };
}
