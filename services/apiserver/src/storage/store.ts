// The revisioned Store contract. Every backend (embedded LMDB, redis) implements it and
// passes the same conformance suite (./conformance). The store deals in opaque bytes: the
// registry above it owns encoding, so a backend never needs to understand an object.

import type { StoreFailedError } from "./errors.js";

/** One stored key with the revisions of its lifecycle. */
export interface KeyValue {
  readonly key: string;
  /** The stored bytes. Shared with other readers: treat as read-only. */
  readonly value: Uint8Array;
  /** Revision of the write that created the key (unchanged by updates). */
  readonly createRevision: number;
  /** Revision of the write that produced this value. */
  readonly modRevision: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/**
 * One committed write. Events are shared between watchers: treat them (and their byte
 * arrays) as read-only.
 */
export interface WatchEvent {
  readonly type: WatchEventType;
  readonly key: string;
  /** The new value; for DELETED, the last value the key had. */
  readonly value: Uint8Array;
  /** The value before this write; undefined for ADDED, the last value for DELETED. */
  readonly prevValue: Uint8Array | undefined;
  /** The write's revision (the key's new modRevision; for DELETED, the delete's revision). */
  readonly revision: number;
}

/** Every key that starts with `prefix` ("" = every key). */
export interface ScanByPrefix {
  readonly prefix: string;
  readonly limit?: number;
}

/** Keys k with start <= k < end (end omitted = to the last key), compared bytewise (UTF-8). */
export interface ScanByRange {
  readonly start: string;
  readonly end?: string;
  readonly limit?: number;
}

export type ScanOptions = ScanByPrefix | ScanByRange;

export interface ScanResult {
  /** Matching keys in bytewise (UTF-8) order, at most `limit` of them. */
  readonly items: readonly KeyValue[];
  /**
   * The revision the items reflect: every write up to and including it, none after.
   * `watch(prefix, revision)` continues exactly where the scan ends.
   */
  readonly revision: number;
  /** True when `limit` cut the result short; continue with `start` = last key + "\0". */
  readonly more: boolean;
}

export interface DeleteResult {
  /** The key as it was just before the delete. */
  readonly prev: KeyValue;
  /** The delete's own revision. */
  readonly revision: number;
}

/**
 * Called after a batch of writes is durable and before any of them is acknowledged or
 * published. A backend awaits it on the commit path, so a test can hold a flush open and
 * prove that nothing is visible until it completes. A rejection is treated as a failed
 * flush: the store fails closed (see StoreFailedError).
 */
export type FlushHook = (firstRevision: number, lastRevision: number) => Promise<void>;

/**
 * How much change history (for watch) is kept. History is kept for `windowMs`, and never
 * less than the last `minRevisions` revisions, whichever reaches further back.
 */
export interface HistoryOptions {
  /** Keep every revision committed within this many milliseconds. */
  readonly windowMs?: number;
  /** Always keep at least this many of the latest revisions. */
  readonly minRevisions?: number;
  /** How often compaction runs. */
  readonly compactionIntervalMs?: number;
}

export const DEFAULT_HISTORY: Required<HistoryOptions> = {
  windowMs: 5 * 60_000,
  minRevisions: 1000,
  compactionIntervalMs: 10_000,
};

/** Options every backend understands (the conformance suite relies on them). */
export interface CommonStoreOptions {
  readonly history?: HistoryOptions;
  readonly afterFlush?: FlushHook;
  /**
   * Called once if the store fails closed (a commit or flush failed). Every pending and
   * later operation rejects with the same StoreFailedError; the owner should log it and
   * restart the process. The store must still be closed.
   */
  readonly onFailure?: (error: StoreFailedError) => void;
}

/**
 * A revisioned key-value store.
 *
 * Guarantees:
 * - One global revision. Only writes that succeed get one: revisions are dense (+1 per
 *   write), so a consumer that sees N and then N+2 knows it missed N+1.
 * - A write's promise resolves, and its event is published, only after it is durable
 *   (on disk for the embedded backend). Acknowledgements and events go out in revision
 *   order.
 * - Reads (get, scan, currentRevision) reflect acknowledged writes only.
 * - Conditional writes never overwrite silently: a stale expected revision is a
 *   ConflictError carrying the key's current modRevision.
 * - An update whose bytes equal the stored bytes writes nothing (no revision, no event)
 *   and returns the existing KeyValue.
 *
 * Errors are the classes in ./errors.ts; match them with instanceof (or `code`), never on
 * messages.
 */
export interface Store {
  /** The key's current value, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;

  /** An ordered, consistent range read and the revision it reflects. */
  scan(options: ScanOptions): Promise<ScanResult>;

  /** The revision of the last acknowledged write (0 for an empty store). */
  currentRevision(): Promise<number>;

  /**
   * The compaction point: watch(…, fromRevision) works for any fromRevision >= it;
   * below it, CompactedError.
   */
  compactRevision(): Promise<number>;

  /** Creates the key. KeyExistsError if it exists. */
  create(key: string, value: Uint8Array): Promise<KeyValue>;

  /**
   * Replaces the key's value if its modRevision is `expectedModRevision`.
   * KeyNotFoundError if missing, ConflictError if stale. Equal bytes: no write.
   */
  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue>;

  /**
   * Deletes the key, if given only when its modRevision is `expectedModRevision`.
   * KeyNotFoundError if missing, ConflictError if stale.
   */
  delete(key: string, expectedModRevision?: number): Promise<DeleteResult>;

  /**
   * Every event with revision > fromRevision whose key starts with `prefix`, in revision
   * order, exactly once, for as long as the caller iterates. It continues across process
   * restarts: any fromRevision >= compactRevision() works, whether the events were written
   * by this process or an earlier one. A watcher is a cursor over the shared history, so a
   * slow consumer costs no memory; one that falls behind the compaction point gets
   * CompactedError from next(). fromRevision may be ahead of the current revision.
   *
   * The iterator ends (done) when `signal` aborts or the caller calls return(); next()
   * rejects with StoreClosedError after close() and StoreFailedError after a failure.
   */
  watch(
    prefix: string,
    fromRevision: number,
    signal?: AbortSignal,
  ): AsyncIterableIterator<WatchEvent>;

  /**
   * Stops accepting operations (they reject with StoreClosedError), waits for accepted
   * writes to be committed and acknowledged, stops timers, ends watchers and releases the
   * data. Idempotent.
   */
  close(): Promise<void>;
}
