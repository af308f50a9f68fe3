// The embedded Store: one process owns a data dir holding one LMDB environment.
//
// Write path: a write is checked against the key's latest state (writes still queued or in
// flight first, then the in-memory index of acknowledged keys), given the next revision
// and queued. One batch is in flight at a time; whatever queued meanwhile becomes the next
// batch: one LMDB transaction (change-log entries + revision meta) committed and fsynced
// on lmdb-js's writer thread. When it is durable (and the optional flush hook has
// returned), the read snapshot and the key index move forward, events are published and
// the writes are acknowledged, all in revision order. If a commit fails, the store fails
// closed.
//
// Reads use the key index and a pinned LMDB read snapshot (for values), both moved only
// when a batch is acknowledged, so get/scan/currentRevision never show a write before its
// writer hears about it.

import { join } from "node:path";
import { checkKey, checkRevision, checkValue, encodeKey, scanRange } from "../arguments.js";
import {
  ConflictError,
  InvalidArgumentError,
  KeyExistsError,
  KeyNotFoundError,
  StoreClosedError,
  StoreCorruptError,
  StoreFailedError,
} from "../errors.js";
import {
  DEFAULT_HISTORY,
  type CommonStoreOptions,
  type DeleteResult,
  type FlushHook,
  type KeyValue,
  type ScanOptions,
  type ScanResult,
  type Store,
  type WatchEvent,
} from "../store.js";
import { ChangeWatcher, type HistorySource } from "./change-watcher.js";
import { lockDataDir, type DataDirLock } from "./data-dir-lock.js";
import { EventRing } from "./event-ring.js";
import { HistoryRetention } from "./history-retention.js";
import { compareKeys, KeyIndex } from "./key-index.js";
import {
  encodeLogEntry,
  LmdbLayout,
  logEntryValue,
  type CompactionStep,
  type LogWrite,
  type ReadSnapshot,
  type StoredState,
  type TimeMarker,
} from "./lmdb-layout.js";

export interface EmbeddedStoreOptions extends CommonStoreOptions {
  /** Directory owned by this store: <dataDir>/LOCK and the LMDB environment <dataDir>/lmdb. */
  readonly dataDir: string;
  /** Most writes committed in one LMDB transaction (default 1024). */
  readonly maxBatchWrites?: number;
  /** The in-memory tail of recent events that watchers read first. */
  readonly eventRing?: {
    /** Default 8192 events. */
    readonly maxEvents?: number;
    /** Default 64 MiB of keys and values. */
    readonly maxBytes?: number;
  };
}

const DEFAULT_MAX_BATCH_WRITES = 1024;
const DEFAULT_RING_EVENTS = 8192;
const DEFAULT_RING_BYTES = 64 * 1024 * 1024;
/**
 * Revisions compacted per step. A step rides in the next batch's transaction, so it stays
 * small enough (at most twice as many deletes) not to stall that batch's writers, while
 * one step per commit still compacts far faster than writes can arrive.
 */
const COMPACTION_CHUNK = 1000;

/** Opens (creating if needed) the store in options.dataDir; DataDirLockedError if it is taken. */
export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const settings = parseOptions(options);
  const lock = await lockDataDir(options.dataDir);
  let layout: LmdbLayout | undefined;
  try {
    layout = LmdbLayout.open(join(lock.dataDir, "lmdb"));
    const state = await layout.load();
    return new EmbeddedStore(lock, layout, state, settings);
  } catch (error) {
    try {
      await layout?.close();
    } finally {
      await lock.release();
    }
    throw error;
  }
}

interface Settings {
  readonly windowMs: number;
  readonly minRevisions: number;
  readonly compactionIntervalMs: number;
  readonly maxBatchWrites: number;
  readonly ringEvents: number;
  readonly ringBytes: number;
  readonly afterFlush: FlushHook | undefined;
  readonly onFailure: ((error: StoreFailedError) => void) | undefined;
}

/** A write that has a revision and is queued or in flight. */
interface PendingWrite {
  readonly revision: number;
  readonly key: string;
  readonly disk: LogWrite;
  readonly event: WatchEvent;
  /** The key after this write; undefined once deleted. */
  readonly state: KeyValue | undefined;
  /** The caller's promise (waited on by a no-op update that read this state). */
  readonly done: Promise<unknown>;
  readonly ack: () => void;
  readonly reject: (error: unknown) => void;
}

interface Batch {
  readonly writes: readonly PendingWrite[];
  /** The revision after the batch (the last write's, or the current one if none). */
  readonly last: number;
  readonly marker: TimeMarker | undefined;
  readonly compaction: CompactionStep | undefined;
}

type Lifecycle = "open" | "closing" | "closed";

export class EmbeddedStore implements Store {
  private lifecycle: Lifecycle = "open";
  private failure: StoreFailedError | undefined;
  private closing: Promise<void> | undefined;

  /** Last revision handed to a write (queued, in flight or acknowledged). */
  private lastAssigned: number;
  /** Last acknowledged revision: what reads and watchers see. */
  private published: number;
  private compacted: number;
  /** Highest revision compaction should reach (set by the compaction timer). */
  private compactTarget: number;

  /** LMDB snapshot of the last acknowledged batch. */
  private snapshot: ReadSnapshot;
  /** Keys as of the last acknowledged batch (their values are in the snapshot's log). */
  private readonly index: KeyIndex;
  /** Latest state of every key with a write queued or in flight. */
  private readonly pendingKeys = new Map<
    string,
    { readonly state: KeyValue | undefined; readonly write: PendingWrite }
  >();
  private queue: PendingWrite[] = [];
  private inFlight: Batch | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  private idleWaiters: (() => void)[] = [];

  private readonly ring: EventRing;
  private readonly retention: HistoryRetention;
  private parked = new Set<() => void>();
  /** What watchers see of the store (kept off its public surface). */
  private readonly history: HistorySource = {
    checkOpen: () => this.checkOpen(),
    publishedRevision: () => this.published,
    compactedRevision: () => this.compacted,
    ring: () => this.ring,
    readLog: (after, upTo, maxEntries, prefix) =>
      this.layout.readLog(after, upTo, maxEntries, prefix, this.snapshot),
    park: (after, wake) => {
      if (this.published > after || this.failure !== undefined || this.lifecycle !== "open") {
        wake();
      } else {
        this.parked.add(wake);
      }
    },
    unpark: (wake) => {
      this.parked.delete(wake);
    },
  };
  private readonly compactionTimer: NodeJS.Timeout;

  /** @internal use openEmbeddedStore */
  constructor(
    private readonly lock: DataDirLock,
    private readonly layout: LmdbLayout,
    state: StoredState,
    private readonly settings: Settings,
  ) {
    this.lastAssigned = state.revision;
    this.published = state.revision;
    this.compacted = state.compactRevision;
    this.compactTarget = state.compactRevision;
    this.snapshot = layout.snapshot();
    this.index = state.index;
    this.ring = new EventRing(settings.ringEvents, settings.ringBytes, state.revision + 1);
    this.retention = new HistoryRetention(state.markers, settings.windowMs, settings.minRevisions);
    this.compactionTimer = setInterval(() => this.planCompaction(), settings.compactionIntervalMs);
    // Compaction is housekeeping: it must not keep an otherwise finished process alive.
    this.compactionTimer.unref();
  }

  /** The canonical path of the data dir. */
  get dataDir(): string {
    return this.lock.dataDir;
  }

  // ---- reads ----

  get(key: string): Promise<KeyValue | undefined> {
    try {
      this.checkOpen();
      checkKey(key);
      return Promise.resolve(this.stored(key));
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  scan(options: ScanOptions): Promise<ScanResult> {
    try {
      this.checkOpen();
      const range = scanRange(options);
      const items: KeyValue[] = [];
      let more = false;
      for (const key of this.index.keysFrom(range.start)) {
        if (range.prefix !== undefined && !key.startsWith(range.prefix)) break;
        if (range.end !== undefined && compareKeys(key, range.end) >= 0) break;
        if (items.length === range.limit) {
          more = true;
          break;
        }
        const item = this.stored(key);
        if (item !== undefined) items.push(item);
      }
      return Promise.resolve({ items, revision: this.published, more });
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  currentRevision(): Promise<number> {
    try {
      this.checkOpen();
      return Promise.resolve(this.published);
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  compactRevision(): Promise<number> {
    try {
      this.checkOpen();
      return Promise.resolve(this.compacted);
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  // ---- writes (the sequencer) ----

  create(key: string, value: Uint8Array): Promise<KeyValue> {
    try {
      this.checkOpen();
      const keyBytes = encodeKey(key);
      checkValue(value);
      const pending = this.pendingKeys.get(key);
      const existing =
        pending === undefined ? this.index.get(key)?.modRevision : pending.state?.modRevision;
      if (existing !== undefined) throw new KeyExistsError(key, existing);
      const revision = this.lastAssigned + 1;
      // The log entry is the one copy of the caller's bytes; the KeyValue and the event
      // share it.
      const logEntry = encodeLogEntry("ADDED", keyBytes, value, revision, 0);
      const created: KeyValue = {
        key,
        value: logEntryValue(logEntry),
        createRevision: revision,
        modRevision: revision,
      };
      return this.enqueue(
        { type: "ADDED", key, value: created.value, prevValue: undefined, revision },
        { revision, logEntry },
        created,
        created,
      );
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue> {
    try {
      this.checkOpen();
      const keyBytes = encodeKey(key);
      checkValue(value);
      checkRevision(expectedModRevision, "expectedModRevision", 1);
      const { current, pending } = this.latest(key);
      if (current === undefined) throw new KeyNotFoundError(key);
      if (current.modRevision !== expectedModRevision) {
        throw new ConflictError(key, expectedModRevision, current.modRevision);
      }
      if (sameBytes(current.value, value)) {
        // Nothing to write. If the equal state is itself still in flight, answer only once
        // it is durable, like any other acknowledgement.
        return pending === undefined ? Promise.resolve(current) : pending.done.then(() => current);
      }
      const revision = this.lastAssigned + 1;
      const logEntry = encodeLogEntry(
        "MODIFIED",
        keyBytes,
        value,
        current.createRevision,
        current.modRevision,
      );
      const updated: KeyValue = {
        key,
        value: logEntryValue(logEntry),
        createRevision: current.createRevision,
        modRevision: revision,
      };
      return this.enqueue(
        { type: "MODIFIED", key, value: updated.value, prevValue: current.value, revision },
        { revision, logEntry },
        updated,
        updated,
      );
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    try {
      this.checkOpen();
      const keyBytes = encodeKey(key);
      if (expectedModRevision !== undefined)
        checkRevision(expectedModRevision, "expectedModRevision", 1);
      const { current } = this.latest(key);
      if (current === undefined) throw new KeyNotFoundError(key);
      if (expectedModRevision !== undefined && current.modRevision !== expectedModRevision) {
        throw new ConflictError(key, expectedModRevision, current.modRevision);
      }
      const revision = this.lastAssigned + 1;
      return this.enqueue(
        { type: "DELETED", key, value: current.value, prevValue: current.value, revision },
        {
          revision,
          logEntry: encodeLogEntry(
            "DELETED",
            keyBytes,
            undefined,
            current.createRevision,
            current.modRevision,
          ),
        },
        undefined,
        { prev: current, revision },
      );
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  /** The key's latest state, counting writes still queued or in flight. */
  private latest(key: string): {
    current: KeyValue | undefined;
    pending: PendingWrite | undefined;
  } {
    const pending = this.pendingKeys.get(key);
    if (pending !== undefined) return { current: pending.state, pending: pending.write };
    return { current: this.stored(key), pending: undefined };
  }

  /** The key as of the last acknowledged batch. */
  private stored(key: string): KeyValue | undefined {
    const entry = this.index.get(key);
    if (entry === undefined) return undefined;
    return {
      key,
      value: this.layout.readValue(entry.modRevision, this.snapshot),
      createRevision: entry.createRevision,
      modRevision: entry.modRevision,
    };
  }

  private enqueue<T>(
    event: WatchEvent,
    disk: LogWrite,
    state: KeyValue | undefined,
    result: T,
  ): Promise<T> {
    const outcome = new Deferred<T>();
    const write: PendingWrite = {
      revision: event.revision,
      key: event.key,
      disk,
      event,
      state,
      done: outcome.promise,
      ack: () => outcome.resolve(result),
      reject: (error) => outcome.reject(error),
    };
    // Nothing below can throw: the revision is taken only by a write that is queued.
    this.lastAssigned = event.revision;
    this.queue.push(write);
    this.pendingKeys.set(event.key, { state, write });
    this.kick();
    return outcome.promise;
  }

  // ---- group commit ----

  /** Starts the next batch on a later turn, so that writes issued meanwhile join it. */
  private kick(): void {
    if (this.inFlight !== undefined || this.scheduled !== undefined || this.failure !== undefined)
      return;
    if (this.queue.length === 0 && !this.compactionDue()) {
      this.notifyIdle();
      return;
    }
    this.scheduled = setImmediate(this.startBatch);
  }

  private readonly startBatch = (): void => {
    this.scheduled = undefined;
    if (this.inFlight !== undefined || this.failure !== undefined) return;
    let compaction: CompactionStep | undefined;
    try {
      compaction = this.compactionDue() ? this.compactionStep() : undefined;
    } catch (error) {
      // Planning reads the log; a log that cannot be read cannot be trusted either.
      this.fail(error);
      return;
    }
    const max = this.settings.maxBatchWrites;
    const writes = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = this.queue.length <= max ? [] : this.queue.slice(max);
    const lastWrite = writes.at(-1);
    if (lastWrite === undefined && compaction === undefined) {
      this.notifyIdle();
      return;
    }
    const last = lastWrite?.revision ?? this.published;
    const batch: Batch = {
      writes,
      last,
      marker: lastWrite === undefined ? undefined : this.retention.markerFor(last, Date.now()),
      compaction,
    };
    this.inFlight = batch;
    void this.runBatch(batch);
  };

  /** Commits one batch; never rejects (a failure fails the store closed). */
  private async runBatch(batch: Batch): Promise<void> {
    try {
      await this.layout.commit({
        writes: batch.writes.map((write) => write.disk),
        revision: batch.last,
        marker: batch.marker,
        compaction: batch.compaction,
      });
      const first = batch.writes[0];
      if (this.settings.afterFlush !== undefined && first !== undefined) {
        await this.settings.afterFlush(first.revision, batch.last);
      }
      this.acknowledge(batch);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.inFlight = undefined;
    this.kick();
  }

  /** Makes a durable batch visible: snapshot, history, events, then acknowledgements. */
  private acknowledge(batch: Batch): void {
    const snapshot = this.layout.snapshot();
    const seen = this.layout.revisionIn(snapshot);
    if (seen !== batch.last) {
      snapshot.done();
      throw new StoreCorruptError(
        `committed revision ${batch.last} but the store reads ${String(seen)}`,
      );
    }
    this.snapshot.done();
    this.snapshot = snapshot;
    if (batch.compaction !== undefined) {
      this.compacted = batch.compaction.to;
      this.retention.dropThrough(batch.compaction.to);
      this.ring.dropThrough(batch.compaction.to);
    }
    if (batch.marker !== undefined) this.retention.add(batch.marker);
    for (const write of batch.writes) {
      if (write.state === undefined) this.index.delete(write.key);
      else {
        const { createRevision, modRevision } = write.state;
        this.index.set(write.key, { createRevision, modRevision });
      }
      if (this.pendingKeys.get(write.key)?.write === write) this.pendingKeys.delete(write.key);
      this.ring.push(write.event);
    }
    this.published = batch.last;
    this.wakeParked();
    for (const write of batch.writes) write.ack();
  }

  /** Fails the store closed: memory may no longer match the disk, so nothing more is served. */
  private fail(cause: unknown): void {
    if (this.failure !== undefined) return;
    const failure = new StoreFailedError(cause, false);
    this.failure = failure;
    clearInterval(this.compactionTimer);
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const inFlight = this.inFlight?.writes ?? [];
    const queued = this.queue;
    this.inFlight = undefined;
    this.queue = [];
    this.pendingKeys.clear();
    for (const write of inFlight) write.reject(failure.forWrite(true));
    for (const write of queued) write.reject(failure);
    this.wakeParked();
    this.notifyIdle();
    const onFailure = this.settings.onFailure;
    if (onFailure !== undefined) queueMicrotask(() => onFailure(failure));
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private whenIdle(): Promise<void> {
    if (this.inFlight === undefined && this.scheduled === undefined && this.queue.length === 0) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  // ---- compaction ----

  /** Timer: moves the compaction target to what the window and the floor allow. */
  private planCompaction(): void {
    const target = this.retention.compactionTarget(Date.now(), this.published);
    if (target > this.compactTarget) {
      this.compactTarget = target;
      this.kick();
    }
  }

  private compactionDue(): boolean {
    return this.lifecycle === "open" && this.compactTarget > this.compacted;
  }

  private compactionStep(): CompactionStep {
    const from = this.compacted;
    const to = Math.min(this.compactTarget, from + COMPACTION_CHUNK);
    return {
      from,
      to,
      deleteEntries: this.layout.planCompaction(from, to, this.snapshot),
      deleteMarkers: this.retention.markersThrough(to),
    };
  }

  // ---- watch ----

  watch(
    prefix: string,
    fromRevision: number,
    signal?: AbortSignal,
  ): AsyncIterableIterator<WatchEvent> {
    checkKey(prefix, "prefix", true);
    checkRevision(fromRevision, "fromRevision", 0);
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new InvalidArgumentError("signal", "must be an AbortSignal");
    }
    return new ChangeWatcher(this.history, prefix, fromRevision, signal);
  }

  private checkOpen(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.lifecycle !== "open") throw new StoreClosedError();
  }

  private wakeParked(): void {
    if (this.parked.size === 0) return;
    const parked = this.parked;
    this.parked = new Set();
    for (const wake of parked) wake();
  }

  // ---- lifecycle ----

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.lifecycle = "closing";
    clearInterval(this.compactionTimer);
    // Writes already accepted were promised an answer: let them commit.
    this.wakeParked();
    await this.whenIdle();
    this.lifecycle = "closed";
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.snapshot.done();
    try {
      await this.layout.close();
    } finally {
      await this.lock.release();
    }
  }
}

function parseOptions(options: EmbeddedStoreOptions): Settings {
  if (typeof options.dataDir !== "string" || options.dataDir === "") {
    throw new InvalidArgumentError("dataDir", "must be a non-empty path");
  }
  const history = { ...DEFAULT_HISTORY, ...options.history };
  return {
    windowMs: count(history.windowMs, "history.windowMs", 0),
    minRevisions: count(history.minRevisions, "history.minRevisions", 0),
    compactionIntervalMs: count(history.compactionIntervalMs, "history.compactionIntervalMs", 1),
    maxBatchWrites: count(options.maxBatchWrites ?? DEFAULT_MAX_BATCH_WRITES, "maxBatchWrites", 1),
    ringEvents: count(
      options.eventRing?.maxEvents ?? DEFAULT_RING_EVENTS,
      "eventRing.maxEvents",
      1,
    ),
    ringBytes: count(options.eventRing?.maxBytes ?? DEFAULT_RING_BYTES, "eventRing.maxBytes", 0),
    afterFlush: options.afterFlush,
    onFailure: options.onFailure,
  };
}

function count(value: number, argument: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(argument, `must be an integer >= ${min}`);
  }
  return value;
}

/** A promise with its settle functions, for answers given later by the commit loop. */
class Deferred<T> {
  readonly promise: Promise<T>;
  resolve: (value: T) => void = unsettled;
  reject: (error: unknown) => void = unsettled;

  constructor() {
    // The executor runs synchronously, replacing the placeholders before anyone can call them.
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

function unsettled(): void {
  throw new Error("Deferred settled before its promise existed");
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
