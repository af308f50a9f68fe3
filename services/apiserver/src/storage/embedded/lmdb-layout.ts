// The embedded store's on-disk layout: one LMDB environment with three named databases,
// and the byte formats of their records. Everything lmdb-js is touched through the narrow
// typed view below, so its loose typings stop here.
//
//   log    revision u64 -> change-log entry (see encodeLogEntry): every value lives here
//   times  revision u64 -> commit time (ms since epoch, f64): revisions up to this one
//                          were committed no later than this time
//   meta   "format" | "revision" | "compactRevision" -> u64
//
// Each value is written once, in the log entry of the revision that wrote it. The index
// of keys (key -> createRevision, modRevision) lives in memory and is rebuilt from the
// log on open, as etcd rebuilds its key index from its revision-keyed store: a commit
// then appends to the log sequentially instead of also rewriting a random B-tree page per
// key, which measured three times faster on this disk. A key's value is
// log[modRevision]; an event's prevValue is log[prevRevision].
//
// Compaction to revision C removes what nobody can read any more: every entry superseded
// by a later write at or below C (the later entry names it as prevRevision) and every
// delete at or below C. What remains at or below C is, per key, its version as of C,
// which is both the current value of a key not written since and the prevValue of the
// first retained event of a key written since; replaying the log in revision order
// rebuilds exactly the current keys.
//
// All integers are big-endian so that LMDB's bytewise key order is numeric order.

import { open, type RootDatabase } from "lmdb";
import { StoreCorruptError } from "../errors.js";
import type { WatchEvent, WatchEventType } from "../store.js";
import { KeyIndex } from "./key-index.js";

/** 1 had an on-disk key index; 2 keeps it in memory and createRevision in the log. */
export const FORMAT_VERSION = 2;
const LOG_HEADER_BYTES = 28;
const TWO_32 = 0x1_0000_0000;

/** A read snapshot (an LMDB read transaction) pinned by the store. */
export interface ReadSnapshot {
  done(): void;
}

interface RangeQuery {
  readonly start?: Uint8Array;
  readonly end?: Uint8Array;
  readonly limit?: number;
  readonly reverse?: boolean;
  readonly transaction: ReadSnapshot;
}

/** The part of an lmdb-js database (binary keys and values) this store uses. */
interface BinaryDatabase {
  /** A volatile view of the value: valid only until the next read. */
  getBinaryFast(key: Uint8Array, options: { transaction: ReadSnapshot }): Buffer | undefined;
  /** A copy of the value. */
  getBinary(key: Uint8Array, options: { transaction: ReadSnapshot }): Buffer | undefined;
  /** Entries in key order; keys and values are fresh copies. */
  getRange(query: RangeQuery): Iterable<{ key: Buffer; value: Buffer }>;
  /** Queues a write in the current event turn's transaction; resolves once it is committed. */
  put(key: Uint8Array, value: Uint8Array): Promise<boolean>;
  remove(key: Uint8Array): Promise<boolean>;
}

const META_FORMAT = Buffer.from("format");
const META_REVISION = Buffer.from("revision");
const META_COMPACT_REVISION = Buffer.from("compactRevision");

export interface StoredState {
  readonly revision: number;
  readonly compactRevision: number;
  /** Time markers, oldest first. */
  readonly markers: readonly TimeMarker[];
  /** The keys that exist, rebuilt from the log. */
  readonly index: KeyIndex;
}

export interface TimeMarker {
  readonly revision: number;
  readonly time: number;
}

/** One write as it goes to disk: its change-log entry. */
export interface LogWrite {
  readonly revision: number;
  readonly logEntry: Buffer;
}

export interface CompactionStep {
  /** Compacted revision before the step. */
  readonly from: number;
  /** Compacted revision after it. */
  readonly to: number;
  /** Log entries to delete (superseded or deletes, see the header comment). */
  readonly deleteEntries: readonly number[];
  /** Time markers to delete (at or below `to`). */
  readonly deleteMarkers: readonly number[];
}

/** Everything one LMDB transaction writes. */
export interface BatchWrite {
  readonly writes: readonly LogWrite[];
  /** The revision meta after the batch (unchanged if there are no writes). */
  readonly revision: number;
  readonly marker: TimeMarker | undefined;
  readonly compaction: CompactionStep | undefined;
}

export class LmdbLayout {
  private constructor(
    private readonly root: RootDatabase,
    private readonly log: BinaryDatabase,
    private readonly times: BinaryDatabase,
    private readonly meta: BinaryDatabase,
  ) {}

  static open(path: string): LmdbLayout {
    const root = open({
      path,
      // Durability: LMDB's own commit protocol (fdatasync of the data pages, then the meta
      // page through an O_DSYNC descriptor) runs on lmdb-js's writer thread before a
      // write's promise resolves. overlappingSync (the lmdb-js default on Linux) resolves
      // at commit, before the flush, and after a power cut may restore an older snapshot
      // than the one it reported flushed; so it is off, and noSync / noMetaSync too.
      overlappingSync: false,
      noSync: false,
      noMetaSync: false,
      // The store keeps its own view of pending writes; lmdb-js's object cache would only
      // duplicate memory.
      cache: false,
      maxDbs: 8,
    });
    const named = (name: string): BinaryDatabase =>
      root.openDB({
        name,
        encoding: "binary",
        keyEncoding: "binary",
        cache: false,
      }) as unknown as BinaryDatabase;
    return new LmdbLayout(root, named("log"), named("times"), named("meta"));
  }

  /** A snapshot of the latest committed transaction. */
  snapshot(): ReadSnapshot {
    return this.root.useReadTransaction();
  }

  /**
   * Reads the revision counters and time markers and rebuilds the key index from the log,
   * initialising an empty environment and refusing one whose state is torn or of an
   * unknown format.
   */
  async load(): Promise<StoredState> {
    let snapshot = this.snapshot();
    try {
      let format = readU64(this.meta.getBinaryFast(META_FORMAT, { transaction: snapshot }));
      if (format === undefined) {
        if (!this.isEmpty(this.log, snapshot)) {
          throw new StoreCorruptError("store has data but no format marker");
        }
        // Queued in one event turn: one transaction.
        await Promise.all([
          this.meta.put(META_REVISION, u64(0)),
          this.meta.put(META_COMPACT_REVISION, u64(0)),
          this.meta.put(META_FORMAT, u64(FORMAT_VERSION)),
        ]);
        snapshot.done();
        snapshot = this.snapshot();
        format = FORMAT_VERSION;
      }
      if (format !== FORMAT_VERSION) {
        throw new StoreCorruptError(
          `unsupported store format ${format} (this build reads ${FORMAT_VERSION})`,
        );
      }
      const revision = this.revisionIn(snapshot);
      const compactRevision = readU64(
        this.meta.getBinaryFast(META_COMPACT_REVISION, { transaction: snapshot }),
      );
      if (revision === undefined || compactRevision === undefined || compactRevision > revision) {
        throw new StoreCorruptError("store revision metadata is missing or inconsistent");
      }
      const index = this.rebuildIndex(revision, compactRevision, snapshot);
      const markers: TimeMarker[] = [];
      for (const { key, value } of this.times.getRange({ transaction: snapshot })) {
        markers.push({ revision: decodeRevisionKey(key), time: value.readDoubleBE(0) });
      }
      return { revision, compactRevision, markers, index };
    } finally {
      snapshot.done();
    }
  }

  /**
   * Replays the log in revision order. The log and the revision are written in one
   * transaction per batch, so the log ends exactly at the revision (unless compaction
   * removed the last entry, a delete) and has no gap after the compaction point.
   */
  private rebuildIndex(
    revision: number,
    compactRevision: number,
    snapshot: ReadSnapshot,
  ): KeyIndex {
    const index = new KeyIndex();
    let last = 0;
    for (const { key, value } of this.log.getRange({ transaction: snapshot })) {
      const at = decodeRevisionKey(key);
      if (at > compactRevision + 1 && at !== last + 1) {
        throw new StoreCorruptError(`change log skips from revision ${last} to ${at}`);
      }
      last = at;
      const entry = decodeLogEntry(at, value);
      if (entry.type === "DELETED") index.delete(entry.key);
      else index.set(entry.key, { createRevision: entry.createRevision, modRevision: at });
    }
    if (last > revision || (revision > compactRevision && last !== revision)) {
      throw new StoreCorruptError(
        `change log ends at ${last} but the store is at revision ${revision}`,
      );
    }
    return index;
  }

  /** The revision recorded in the snapshot (a cheap consistency check after each commit). */
  revisionIn(snapshot: ReadSnapshot): number | undefined {
    return readU64(this.meta.getBinaryFast(META_REVISION, { transaction: snapshot }));
  }

  /** The value written at `revision` (a copy); the entry must hold one. */
  readValue(revision: number, snapshot: ReadSnapshot): Uint8Array {
    const entry = this.log.getBinary(revisionKey(revision), { transaction: snapshot });
    if (entry === undefined) {
      throw new StoreCorruptError(`change-log entry ${revision} is missing`);
    }
    // Only the header is checked: the key is not needed here.
    if (
      entry.length < LOG_HEADER_BYTES ||
      entry[0] !== FORMAT_VERSION ||
      entry[1] === TYPE_CODES.DELETED
    ) {
      throw new StoreCorruptError(`change-log entry ${revision} holds no value`);
    }
    return logEntryValue(entry);
  }

  /**
   * Change-log events in (after, upTo], at most `maxEntries` entries examined, keeping
   * those whose key starts with `prefix`; also returns the first and last revision
   * examined (a gap means a broken log).
   */
  readLog(
    after: number,
    upTo: number,
    maxEntries: number,
    prefix: string,
    snapshot: ReadSnapshot,
  ): { events: WatchEvent[]; first: number | undefined; last: number | undefined } {
    const events: WatchEvent[] = [];
    let first: number | undefined;
    let last: number | undefined;
    for (const { key, value } of this.log.getRange({
      start: revisionKey(after + 1),
      end: revisionKey(upTo + 1),
      limit: maxEntries,
      transaction: snapshot,
    })) {
      const revision = decodeRevisionKey(key);
      if (revision !== (last ?? after) + 1) {
        throw new StoreCorruptError(
          `change log skips from revision ${last ?? after} to ${revision}`,
        );
      }
      first ??= revision;
      last = revision;
      const entry = decodeLogEntry(revision, value);
      if (!entry.key.startsWith(prefix)) continue;
      const prevValue =
        entry.prevRevision === 0 ? undefined : this.readValue(entry.prevRevision, snapshot);
      const newValue = entry.type === "DELETED" ? prevValue : entry.value;
      if (newValue === undefined) {
        throw new StoreCorruptError(`change-log entry ${revision} has no previous version`);
      }
      events.push({ type: entry.type, key: entry.key, value: newValue, prevValue, revision });
    }
    return { events, first, last };
  }

  /**
   * What compacting (from, to] deletes: for each entry in the range, the entry it
   * supersedes, and the entry itself if it is a delete.
   */
  planCompaction(from: number, to: number, snapshot: ReadSnapshot): number[] {
    const deleteEntries: number[] = [];
    for (const { key, value } of this.log.getRange({
      start: revisionKey(from + 1),
      end: revisionKey(to + 1),
      transaction: snapshot,
    })) {
      const revision = decodeRevisionKey(key);
      const entry = decodeLogEntry(revision, value);
      if (entry.prevRevision !== 0) deleteEntries.push(entry.prevRevision);
      if (entry.type === "DELETED") deleteEntries.push(revision);
    }
    return deleteEntries;
  }

  /**
   * Queues the whole batch into one lmdb-js transaction (every write queued in the same
   * event turn commits together) and resolves when it is durable. The commit, and its
   * fsync, run on lmdb-js's writer thread: the event loop never waits for the disk.
   */
  async commit(batch: BatchWrite): Promise<void> {
    // lmdb-js hands every write of one transaction the same commit promise; collecting them
    // in a set awaits each distinct one, so none can reject unobserved.
    const commits = new Set<Promise<boolean>>();
    for (const write of batch.writes) {
      commits.add(this.log.put(revisionKey(write.revision), write.logEntry));
    }
    if (batch.marker !== undefined) {
      commits.add(this.times.put(revisionKey(batch.marker.revision), f64(batch.marker.time)));
    }
    const compaction = batch.compaction;
    if (compaction !== undefined) {
      for (const revision of compaction.deleteEntries) {
        commits.add(this.log.remove(revisionKey(revision)));
      }
      for (const revision of compaction.deleteMarkers) {
        commits.add(this.times.remove(revisionKey(revision)));
      }
      commits.add(this.meta.put(META_COMPACT_REVISION, u64(compaction.to)));
    }
    commits.add(this.meta.put(META_REVISION, u64(batch.revision)));
    await Promise.all(commits);
  }

  close(): Promise<void> {
    return this.root.close();
  }

  private isEmpty(db: BinaryDatabase, snapshot: ReadSnapshot): boolean {
    for (const _ of db.getRange({ limit: 1, transaction: snapshot })) return false;
    return true;
  }
}

// ---- record formats ----

const TYPE_CODES: Record<WatchEventType, number> = { ADDED: 0, MODIFIED: 1, DELETED: 2 };
const CODE_TYPES: readonly WatchEventType[] = ["ADDED", "MODIFIED", "DELETED"];

/**
 * A change-log entry: format u8 | type u8 | reserved u16 | keyLength u32 | valueLength u32
 * | createRevision u64 | prevRevision u64 (0: none) | key | value. A delete carries no
 * value (its event's value is the previous one).
 */
export function encodeLogEntry(
  type: WatchEventType,
  keyBytes: Uint8Array,
  value: Uint8Array | undefined,
  createRevision: number,
  prevRevision: number,
): Buffer {
  const valueLength = value?.length ?? 0;
  const entry = Buffer.allocUnsafe(LOG_HEADER_BYTES + keyBytes.length + valueLength);
  entry[0] = FORMAT_VERSION;
  entry[1] = TYPE_CODES[type];
  entry.writeUInt16BE(0, 2);
  entry.writeUInt32BE(keyBytes.length, 4);
  entry.writeUInt32BE(valueLength, 8);
  writeU64At(entry, 12, createRevision);
  writeU64At(entry, 20, prevRevision);
  entry.set(keyBytes, LOG_HEADER_BYTES);
  if (value !== undefined) entry.set(value, LOG_HEADER_BYTES + keyBytes.length);
  return entry;
}

/** The value inside an entry made by encodeLogEntry (a view, not a copy). */
export function logEntryValue(entry: Buffer): Uint8Array {
  return entry.subarray(LOG_HEADER_BYTES + entry.readUInt32BE(4));
}

interface LogEntry {
  readonly type: WatchEventType;
  readonly key: string;
  /** A view into the entry buffer; undefined for a delete. */
  readonly value: Uint8Array | undefined;
  readonly createRevision: number;
  readonly prevRevision: number;
}

function decodeLogEntry(revision: number, entry: Buffer): LogEntry {
  if (entry.length < LOG_HEADER_BYTES || entry[0] !== FORMAT_VERSION) {
    throw new StoreCorruptError(`change-log entry ${revision} is malformed`);
  }
  const type = CODE_TYPES[entry[1] ?? 255];
  const keyEnd = LOG_HEADER_BYTES + entry.readUInt32BE(4);
  const valueEnd = keyEnd + entry.readUInt32BE(8);
  if (type === undefined || valueEnd !== entry.length) {
    throw new StoreCorruptError(`change-log entry ${revision} is malformed`);
  }
  return {
    type,
    key: entry.toString("utf8", LOG_HEADER_BYTES, keyEnd),
    value: type === "DELETED" ? undefined : entry.subarray(keyEnd, valueEnd),
    createRevision: readU64At(entry, 12),
    prevRevision: readU64At(entry, 20),
  };
}

export function revisionKey(revision: number): Buffer {
  const key = Buffer.allocUnsafe(8);
  writeU64At(key, 0, revision);
  return key;
}

function decodeRevisionKey(key: Buffer): number {
  if (key.length !== 8) throw new StoreCorruptError("malformed revision key");
  return readU64At(key, 0);
}

function u64(value: number): Buffer {
  return revisionKey(value);
}

function f64(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeDoubleBE(value, 0);
  return bytes;
}

function readU64(bytes: Buffer | undefined): number | undefined {
  return bytes === undefined ? undefined : readU64At(bytes, 0);
}

// Revisions are JavaScript numbers (exact up to 2^53): two 32-bit halves avoid BigInt
// allocations on the write path.
function writeU64At(target: Buffer, offset: number, value: number): void {
  target.writeUInt32BE(Math.floor(value / TWO_32), offset);
  target.writeUInt32BE(value >>> 0, offset + 4);
}

function readU64At(source: Buffer, offset: number): number {
  return source.readUInt32BE(offset) * TWO_32 + source.readUInt32BE(offset + 4);
}
