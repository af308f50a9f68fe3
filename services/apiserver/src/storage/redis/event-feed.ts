// The ordered stream of committed writes as one store instance sees it, shared by all of
// its watchers. Events reach it three ways:
//
// - its own writes, when the store acknowledges them (in revision order);
// - other instances' writes, over NATS, in any order: a REORDER BUFFER holds those ahead
//   of the next expected revision, and the feed admits strictly `head + 1` next;
// - the change log (the Redis stream), which repairs what NATS did not bring: a GAP (a
//   revision still missing `gapRepairDelayMs` after a later one arrived), a revision-only
//   message (payload over the size cap), a NATS outage (catch-up on reconnect) and a
//   publisher that died between commit and publish, which leaves no later message to
//   reveal the gap: the TAIL CHECK reads the revision counter every `tailCheckIntervalMs`
//   and repairs when the feed stays behind it.
//
// Admitted events go into a bounded ring; watchers are cursors that read the ring, or the
// log when they have fallen behind it. The feed never passes one of its own store's
// writes that is committed but not yet acknowledged (its log entry names this store's
// writer id): that write is admitted when it is acknowledged, so the flush hook holds.

import type { WatchEvent } from "../store.js";
import { EventRing } from "../embedded/event-ring.js";
import { decodeBusMessage } from "./bus-message.js";
import type { LogEntry } from "./change-log.js";
import type { StoreLogger } from "./store-logger.js";

/** A log read consistent with the revision counter and compaction point. */
export interface LogRead {
  readonly revision: number;
  readonly compactRevision: number;
  /** Entries from the requested revision on, dense; none if it is compacted. */
  readonly entries: readonly LogEntry[];
}

export interface FeedSource {
  readLog(firstRevision: number, maxEntries: number): Promise<LogRead>;
  readState(): Promise<{ revision: number; compactRevision: number }>;
  /** The id this store instance writes into its log entries now. */
  writerId(): string;
}

export interface FeedOptions {
  readonly tailCheckIntervalMs: number;
  readonly gapRepairDelayMs: number;
  readonly ringMaxEvents: number;
  readonly ringMaxBytes: number;
}

/** Log entries read per repair step. */
const REPAIR_CHUNK = 512;
/** Buffered messages beyond which a gap is repaired at once instead of after the delay. */
const MAX_BUFFERED = 4096;

export class EventFeed {
  private headRevision: number;
  private compacted: number;
  /** Highest revision known to exist (from messages, the counter, the log). */
  private target: number;
  readonly ring: EventRing;
  /** Messages ahead of head + 1; undefined = revision only (read it from the log). */
  private readonly buffer = new Map<number, WatchEvent | undefined>();
  private readonly waiters = new Set<() => void>();
  private tailTimer: NodeJS.Timeout | undefined;
  private gapTimer: NodeJS.Timeout | undefined;
  private repairing: Promise<void> | undefined;
  private repairAgain = false;
  private checking: Promise<void> | undefined;
  private stopped = false;
  private lastFailureLog = 0;

  constructor(
    private readonly source: FeedSource,
    private readonly options: FeedOptions,
    private readonly log: StoreLogger,
    start: { revision: number; compactRevision: number },
  ) {
    this.headRevision = start.revision;
    this.target = start.revision;
    this.compacted = start.compactRevision;
    this.ring = new EventRing(options.ringMaxEvents, options.ringMaxBytes, start.revision + 1);
  }

  /** Every event up to this revision has been admitted. */
  get head(): number {
    return this.headRevision;
  }

  /** The highest compaction point seen: watchers below it get CompactedError. */
  get compactRevision(): number {
    return this.compacted;
  }

  start(): void {
    this.tailTimer = setInterval(() => this.checkTail(), this.options.tailCheckIntervalMs);
    this.tailTimer.unref();
  }

  /** This store's write, acknowledged. */
  offerOwn(event: WatchEvent): void {
    this.offer(event.revision, event);
  }

  /** A NATS message from another store instance. */
  offerMessage(data: Uint8Array): void {
    const message = decodeBusMessage(data);
    if (message === undefined) {
      this.log.warn({ bytes: data.length }, "ignoring a malformed event message; the log has it");
      return;
    }
    this.offer(message.revision, message.event);
  }

  /** Something may have been missed (NATS reconnected, Redis is back): catch up now. */
  catchUp(): void {
    this.checkTail();
  }

  noteCompacted(compactRevision: number): void {
    if (compactRevision <= this.compacted) return;
    this.compacted = compactRevision;
    this.ring.dropThrough(compactRevision);
    if (this.headRevision < compactRevision) {
      // The feed fell behind the history: what it missed is gone, and so is every
      // watcher below this point (CompactedError). Continue after it.
      this.headRevision = compactRevision;
      for (const revision of this.buffer.keys()) {
        if (revision <= compactRevision) this.buffer.delete(revision);
      }
      this.target = Math.max(this.target, compactRevision);
      this.drain();
      this.wake();
    }
  }

  /** Calls wake() once the head passes `after`, or the feed stops (maybe at once). */
  park(after: number, wake: () => void): void {
    if (this.stopped || this.headRevision > after) wake();
    else this.waiters.add(wake);
  }

  unpark(wake: () => void): void {
    this.waiters.delete(wake);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tailTimer);
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.buffer.clear();
    this.wake();
    await Promise.all([this.repairing, this.checking]);
  }

  private offer(revision: number, event: WatchEvent | undefined): void {
    if (this.stopped || revision <= this.headRevision) return;
    this.target = Math.max(this.target, revision);
    if (event !== undefined && revision === this.headRevision + 1) {
      this.admit(event);
      this.drain();
      this.wake();
    } else if (event !== undefined || !this.buffer.has(revision)) {
      this.buffer.set(revision, event);
    }
    this.repairIfBehind();
  }

  private admit(event: WatchEvent): void {
    this.ring.push(event);
    this.headRevision = event.revision;
    this.buffer.delete(event.revision);
  }

  /** Admits buffered messages that have become next in line. */
  private drain(): void {
    for (;;) {
      const next = this.buffer.get(this.headRevision + 1);
      if (next === undefined) return;
      this.admit(next);
    }
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Schedules a repair if the feed is behind what is known to exist. */
  private repairIfBehind(): void {
    if (this.stopped || this.headRevision >= this.target) return;
    const next = this.headRevision + 1;
    const revisionOnly = this.buffer.has(next) && this.buffer.get(next) === undefined;
    if (revisionOnly || this.buffer.size >= MAX_BUFFERED) {
      void this.repair();
      return;
    }
    // Messages from several publishers arrive slightly out of order all the time: give
    // the missing one a moment before reading the log.
    if (this.gapTimer !== undefined) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (this.headRevision < this.target) void this.repair();
    }, this.options.gapRepairDelayMs);
    this.gapTimer.unref();
  }

  /** The tail check: compares the head with Redis's revision counter. */
  private checkTail(): void {
    if (this.stopped || this.checking !== undefined) return;
    this.checking = (async () => {
      try {
        const state = await this.source.readState();
        this.noteCompacted(state.compactRevision);
        this.target = Math.max(this.target, state.revision);
        this.repairIfBehind();
      } catch (error) {
        this.logFailure(error, "tail check failed; retrying");
      } finally {
        this.checking = undefined;
      }
    })();
  }

  /** Reads the log from head + 1 until the feed has caught up (one repair at a time). */
  private repair(): Promise<void> {
    if (this.repairing !== undefined) {
      this.repairAgain = true;
      return this.repairing;
    }
    this.repairing = (async () => {
      try {
        do {
          this.repairAgain = false;
          await this.repairOnce();
        } while (this.repairAgain && !this.stopped);
      } catch (error) {
        // The next tail check tries again.
        this.logFailure(error, "reading the change log failed; retrying");
      } finally {
        this.repairing = undefined;
      }
    })();
    return this.repairing;
  }

  private async repairOnce(): Promise<void> {
    while (!this.stopped) {
      const first = this.headRevision + 1;
      const read = await this.source.readLog(first, REPAIR_CHUNK);
      if (this.stopped) return;
      this.target = Math.max(this.target, read.revision);
      if (read.compactRevision >= first) {
        this.noteCompacted(read.compactRevision);
        continue;
      }
      const before = this.headRevision;
      let blocked = false;
      for (const entry of read.entries) {
        const revision = entry.event.revision;
        if (revision <= this.headRevision) continue;
        if (revision !== this.headRevision + 1) break;
        if (entry.writer === this.source.writerId() && !this.buffer.has(revision)) {
          // This store's own write, committed but not yet acknowledged: it is admitted
          // when it is, never before (acknowledgement and events in revision order).
          blocked = true;
          break;
        }
        this.admit(this.buffer.get(revision) ?? entry.event);
        this.drain();
      }
      if (this.headRevision > before) {
        this.log.info(
          { from: before + 1, to: this.headRevision },
          "delivered events missing from NATS from the change log",
        );
        this.wake();
      }
      if (blocked || read.entries.length < REPAIR_CHUNK || this.headRevision >= read.revision) {
        return;
      }
    }
  }

  private logFailure(error: unknown, message: string): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 5_000) return;
    this.lastFailureLog = now;
    this.log.warn({ err: error }, message);
  }
}
