// Where a store lives in Redis and on NATS. Every key of one store shares the `{prefix}`
// hash tag, so all of them hash to one slot: the Lua scripts that touch several keys stay
// valid on Redis Cluster, and several clusters can share one Redis under different
// prefixes.

import { InvalidArgumentError } from "../errors.js";

/** Letters, digits, "_" and "-": safe inside a hash tag and as one NATS subject token. */
const PREFIX = /^[A-Za-z0-9_-]{1,100}$/;

export interface StoreLayout {
  readonly prefix: string;
  /** String: the global revision (INCR). Absent = 0. */
  readonly revision: string;
  /** String: the compaction point. Absent = 0. */
  readonly compact: string;
  /** Hash: key -> 32 hex digits (createRevision, modRevision) followed by the value. */
  readonly objects: string;
  /** Sorted set, every score 0: the keys, in bytewise order for ZRANGEBYLEX. */
  readonly index: string;
  /** Stream: the change log, entry id `<revision>-0`. */
  readonly log: string;
  /** Sorted set: time markers, member = revision, score = Redis time (ms) it was current. */
  readonly times: string;
  /** NATS subject the store's events are published on. */
  readonly subject: string;
}

export function storeLayout(prefix: string): StoreLayout {
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    throw new InvalidArgumentError(
      "prefix",
      "must be 1-100 letters, digits, '_' or '-' (it names Redis keys and a NATS subject)",
    );
  }
  const tag = `{${prefix}}`;
  return {
    prefix,
    revision: `${tag}:rev`,
    compact: `${tag}:compact`,
    objects: `${tag}:obj`,
    index: `${tag}:idx`,
    log: `${tag}:log`,
    times: `${tag}:times`,
    subject: `k8ts.${prefix}.events`,
  };
}

/** Every Redis key of a store (to delete one). */
export function allKeys(layout: StoreLayout): string[] {
  return [layout.revision, layout.compact, layout.objects, layout.index, layout.log, layout.times];
}
