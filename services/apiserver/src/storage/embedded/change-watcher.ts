// A watcher is a pull cursor over the shared history, not a queue: it remembers the last
// revision it passed and, on each next(), reads the following event from the in-memory
// ring or, once it has fallen behind the ring, from the LMDB change log. Nothing is
// buffered per watcher beyond one bounded chunk of log entries, so a slow consumer costs
// no memory; one that falls below the compaction point gets CompactedError.

import { CompactedError, StoreCorruptError } from "../errors.js";
import type { WatchEvent } from "../store.js";
import type { EventRing } from "./event-ring.js";

/** What a watcher needs from the store. */
export interface HistorySource {
  /** Throws StoreClosedError / StoreFailedError once watchers must stop. */
  checkOpen(): void;
  /** The last acknowledged (published) revision. */
  publishedRevision(): number;
  compactedRevision(): number;
  ring(): EventRing;
  /** Log entries in (after, upTo], at most maxEntries, filtered by prefix. */
  readLog(
    after: number,
    upTo: number,
    maxEntries: number,
    prefix: string,
  ): { events: WatchEvent[]; first: number | undefined; last: number | undefined };
  /** Calls wake() once a revision > after is published or the store stops (maybe at once). */
  park(after: number, wake: () => void): void;
  unpark(wake: () => void): void;
}

/** Log entries read per step when behind the ring. */
const LOG_CHUNK = 256;
/** Events handed out back to back before giving the event loop a turn. */
const YIELD_EVERY = 1024;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class ChangeWatcher implements AsyncIterableIterator<WatchEvent> {
  /** Every event at or below this revision has been delivered or skipped. */
  private cursor: number;
  private chunk: WatchEvent[] = [];
  private chunkIndex = 0;
  private finished = false;
  private wake: (() => void) | undefined;
  /** next() calls run one after another even if a caller does not wait. */
  private tail: Promise<unknown> = Promise.resolve();
  private sinceYield = 0;
  private readonly onAbort = (): void => this.finish();

  constructor(
    private readonly source: HistorySource,
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
      this.source.unpark(wake);
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
      const compacted = this.source.compactedRevision();
      if (this.cursor < compacted) throw new CompactedError(this.cursor, compacted);
      const published = this.source.publishedRevision();
      if (this.cursor >= published) {
        this.sinceYield = 0;
        await this.park();
        continue;
      }
      if (this.sinceYield >= YIELD_EVERY) {
        // A consumer that never waits (a long backlog) would otherwise run on microtasks
        // alone and starve I/O.
        this.sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      const ring = this.source.ring();
      if (this.cursor + 1 >= ring.first) {
        const event = this.nextFromRing(ring, published);
        if (event !== undefined) return this.deliver(event);
        if (this.cursor >= published) continue;
        // The ring lacks a published revision it should hold: read the log instead of
        // spinning.
      }
      this.readChunk(
        this.cursor + 1 >= ring.first ? published : Math.min(published, ring.first - 1),
      );
    }
  }

  private deliver(event: WatchEvent): IteratorYieldResult<WatchEvent> {
    this.sinceYield++;
    return { done: false, value: event };
  }

  /** The next matching event in the ring, advancing the cursor past skipped ones. */
  private nextFromRing(ring: EventRing, published: number): WatchEvent | undefined {
    while (this.cursor < published) {
      const event = ring.at(this.cursor + 1);
      if (event === undefined) return undefined;
      this.cursor++;
      if (event.key.startsWith(this.prefix)) return event;
    }
    return undefined;
  }

  private readChunk(upTo: number): void {
    const { events, first, last } = this.source.readLog(this.cursor, upTo, LOG_CHUNK, this.prefix);
    // Compaction was ruled out above in the same synchronous step, so a gap here means
    // the log itself is broken.
    if (first !== this.cursor + 1 || last === undefined) {
      throw new StoreCorruptError(`change log has no entry for revision ${this.cursor + 1}`);
    }
    this.cursor = last;
    this.chunk = events;
    this.chunkIndex = 0;
    this.sinceYield += last - first + 1 - events.length;
  }

  private park(): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.wake = undefined;
        resolve();
      };
      this.wake = wake;
      this.source.park(this.cursor, wake);
    });
  }
}
