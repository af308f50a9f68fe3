// A watcher is a pull cursor, as in the embedded backend: it remembers the last revision
// it passed and, on each next(), takes the following event from the feed's ring or, once
// it has fallen behind the ring, reads the next chunk of the change log from Redis. It
// never runs ahead of the feed, so every watcher of a store sees one order. A slow
// consumer costs one bounded chunk; one that falls below the compaction point gets
// CompactedError. While Redis is unreachable a watcher that needs the log waits and
// retries: a store watch ends only on close, failure, compaction or the caller's say.

import { CompactedError, StoreCorruptError, StoreUnavailableError } from "../errors.js";
import type { WatchEvent } from "../store.js";
import type { EventRing } from "../embedded/event-ring.js";
import type { EventFeed, LogRead } from "./event-feed.js";

export interface WatchSource {
  /** Throws StoreClosedError / StoreFailedError once watchers must stop. */
  checkOpen(): void;
  readonly feed: EventFeed;
  readLog(firstRevision: number, maxEntries: number): Promise<LogRead>;
}

/** Log entries read per step when behind the ring. */
const LOG_CHUNK = 256;
/** Events handed out back to back before giving the event loop a turn. */
const YIELD_EVERY = 1024;
/** Wait before reading the log again after Redis was unavailable. */
const RETRY_MS = 250;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class RedisWatcher implements AsyncIterableIterator<WatchEvent> {
  private cursor: number;
  private chunk: WatchEvent[] = [];
  private chunkIndex = 0;
  private finished = false;
  private wake: (() => void) | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private sinceYield = 0;
  private readonly onAbort = (): void => this.finish();

  constructor(
    private readonly source: WatchSource,
    private readonly prefix: string,
    fromRevision: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.cursor = fromRevision;
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<WatchEvent, undefined>> {
    const result = this.tail.then(() => this.advance());
    // The chain only orders calls; each caller gets (and must handle) its own result.
    this.tail = result.catch(() => undefined);
    return result;
  }

  return(): Promise<IteratorResult<WatchEvent, undefined>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.signal?.removeEventListener("abort", this.onAbort);
    this.chunk = [];
    const wake = this.wake;
    if (wake !== undefined) {
      this.source.feed.unpark(wake);
      wake();
    }
  }

  private async advance(): Promise<IteratorResult<WatchEvent, undefined>> {
    try {
      return await this.step();
    } catch (error) {
      // Every error ends the watch: a consumer restarts from its last revision (or relists).
      this.finish();
      throw error;
    }
  }

  private async step(): Promise<IteratorResult<WatchEvent, undefined>> {
    const feed = this.source.feed;
    for (;;) {
      if (this.finished) return DONE;
      if (this.signal?.aborted === true) {
        this.finish();
        return DONE;
      }
      this.source.checkOpen();
      const buffered = this.chunk[this.chunkIndex];
      if (buffered !== undefined) {
        this.chunkIndex++;
        return this.deliver(buffered);
      }
      const compacted = feed.compactRevision;
      if (this.cursor < compacted) throw new CompactedError(this.cursor, compacted);
      const head = feed.head;
      if (this.cursor >= head) {
        this.sinceYield = 0;
        await this.waitUntil((wake) => feed.park(this.cursor, wake));
        continue;
      }
      if (this.sinceYield >= YIELD_EVERY) {
        // A consumer that never waits (a long backlog) would otherwise starve I/O.
        this.sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      const ring = feed.ring;
      if (this.cursor + 1 >= ring.first) {
        const event = this.nextFromRing(ring, head);
        if (event !== undefined) return this.deliver(event);
        if (this.cursor >= head) continue;
      }
      await this.readChunk(this.cursor + 1 >= ring.first ? head : Math.min(head, ring.first - 1));
    }
  }

  private deliver(event: WatchEvent): IteratorYieldResult<WatchEvent> {
    this.sinceYield++;
    return { done: false, value: event };
  }

  private nextFromRing(ring: EventRing, head: number): WatchEvent | undefined {
    while (this.cursor < head) {
      const event = ring.at(this.cursor + 1);
      if (event === undefined) return undefined;
      this.cursor++;
      if (event.key.startsWith(this.prefix)) return event;
    }
    return undefined;
  }

  /** Reads log entries in (cursor, upTo] into the chunk, or waits if Redis is down. */
  private async readChunk(upTo: number): Promise<void> {
    const first = this.cursor + 1;
    let read: LogRead;
    try {
      read = await this.source.readLog(first, Math.min(LOG_CHUNK, upTo - this.cursor));
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      let timer: NodeJS.Timeout | undefined;
      await this.waitUntil((wake) => {
        timer = setTimeout(wake, RETRY_MS);
      });
      clearTimeout(timer);
      return;
    }
    if (this.finished) return;
    this.source.feed.noteCompacted(read.compactRevision);
    // Compacted: the next step throws CompactedError.
    if (read.compactRevision >= first) return;
    const entries = read.entries.filter((entry) => entry.event.revision <= upTo);
    const last = entries.at(-1)?.event.revision;
    if (entries[0]?.event.revision !== first || last !== first + entries.length - 1) {
      throw new StoreCorruptError(`change log has no entry for revision ${first}`);
    }
    this.cursor = last;
    this.chunk = entries
      .filter((entry) => entry.event.key.startsWith(this.prefix))
      .map((entry) => entry.event);
    this.chunkIndex = 0;
    this.sinceYield += entries.length - this.chunk.length;
  }

  /** Waits for the wake-up `register` arranges, an abort or return(). */
  private waitUntil(register: (wake: () => void) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.wake = undefined;
        this.source.feed.unpark(wake);
        resolve();
      };
      this.wake = wake;
      register(wake);
    });
  }
}
