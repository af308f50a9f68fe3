// One Watch stream: deliveries from the watch cache written to the client in order, with
// bounded buffering. grpc-js buffers a few messages itself; past that, we keep at most
// `maxQueued` events while the client is not reading, then close the stream with
// RESOURCE_EXHAUSTED so the client re-watches from its last version. A slow client never
// holds more than that, and never slows the others (delivery to it is a queue push).
import { status, type ServerWritableStream } from "@grpc/grpc-js";
import type { WatchDelivery, WatchHandle, WatchSink } from "../watch-cache/watch-cache.js";
import { toGrpcError } from "./grpc-status.js";

export interface WatchStreamOptions {
  /** Live events a watcher may have queued before it counts as not reading... */
  readonly maxQueued: number;
  /** ...for longer than this (a burst the client is draining is not slowness). */
  readonly slowGraceMs: number;
  /** Send periodic bookmarks (allowWatchBookmarks). */
  readonly bookmarks: boolean;
  readonly onEnd: () => void;
}

export class WatchStream implements WatchSink {
  private readonly queue: Uint8Array[] = [];
  /** Initial events or replayed history, written as the client reads, before live events. */
  private pending: Iterator<WatchDelivery> | undefined;
  private paused = false;
  /** When the client last stopped taking writes (performance.now()), while paused. */
  private pausedSince = 0;
  private ended = false;
  private lastRevision = 0;
  handle: WatchHandle | undefined;

  constructor(
    private readonly call: ServerWritableStream<unknown, Uint8Array>,
    private readonly options: WatchStreamOptions,
  ) {
    call.on("drain", () => this.flush());
    call.on("cancelled", () => this.finish());
    call.on("close", () => this.finish());
  }

  get revision(): number {
    return this.lastRevision;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  backlog(deliveries: Iterator<WatchDelivery>): void {
    this.pending = deliveries;
    this.flush();
  }

  deliver(d: WatchDelivery): void {
    if (this.ended) return;
    this.lastRevision = Math.max(this.lastRevision, d.revision);
    const bytes = d.bytes();
    if (this.paused || this.pending !== undefined) {
      // Only live events count against the limit: a large backlog is read lazily.
      // Slow means: over the limit and not draining for a while. Far over it (ten
      // times) ends the stream at once, whatever the time, to bound memory.
      const over = this.queue.length >= this.options.maxQueued;
      const stalled =
        this.paused && performance.now() - this.pausedSince > this.options.slowGraceMs;
      if ((over && stalled) || this.queue.length >= this.options.maxQueued * 10) {
        this.fail(
          status.RESOURCE_EXHAUSTED,
          `watch closed: the client is not reading (${this.queue.length} events queued); re-watch from resourceVersion ${this.lastRevision}`,
        );
        return;
      }
      this.queue.push(bytes);
      return;
    }
    if (!this.call.write(bytes)) this.pause();
  }

  private pause(): void {
    this.paused = true;
    this.pausedSince = performance.now();
  }

  /** A periodic bookmark, if the client asked for them. */
  bookmark(d: WatchDelivery): void {
    // A bookmark that would not move the client's version forward says nothing.
    if (this.options.bookmarks && d.revision > this.lastRevision) this.deliver(d);
  }

  terminate(error: Error): void {
    const mapped = toGrpcError(error);
    this.fail(mapped.error.code, mapped.error.details);
  }

  private flush(): void {
    this.paused = false;
    while (this.pending !== undefined && !this.ended) {
      const next = this.pending.next();
      if (next.done === true) {
        this.pending = undefined;
        break;
      }
      this.lastRevision = Math.max(this.lastRevision, next.value.revision);
      if (!this.call.write(next.value.bytes())) {
        this.pause();
        return;
      }
    }
    while (this.queue.length > 0 && !this.ended) {
      const next = this.queue.shift();
      if (next !== undefined && !this.call.write(next)) {
        this.pause();
        return;
      }
    }
  }

  /** Ends the stream normally (timeout, shutdown): the client re-watches from its version. */
  end(): void {
    if (this.ended) return;
    this.finish();
    this.call.end();
  }

  private fail(code: status, details: string): void {
    if (this.ended) return;
    this.finish();
    this.queue.length = 0;
    this.pending = undefined;
    this.call.emit("error", { code, details });
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.handle?.close();
    this.options.onEnd();
  }
}
