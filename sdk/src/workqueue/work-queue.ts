// A rate-limited work queue with client-go's guarantees:
// - a key is queued at most once: add() while it waits is a no-op;
// - a key is never handed to two workers at once: added while being processed, it waits
//   ("dirty") and is queued again when its worker calls done(key);
// - addAfter() and addRateLimited() delay an add (one timer per waiting key; the earliest
//   wins), forget() resets a key's back-off;
// - get() waits for a key; after shut-down it resolves undefined.
// Keys are usually "namespace/name" strings; anything usable as a Map key works.
import { systemClock, type Clock, type Timer } from "../timing/clock.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";

export interface WorkQueueOptions<K> {
  /** Delay of addRateLimited (default: 5 ms doubling to 1,000 s per key, 10/s overall). */
  readonly rateLimiter?: RateLimiter<K>;
  readonly clock?: Clock;
}

interface Waiting<K> {
  resolve(key: K | undefined): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Delayed {
  readonly readyAt: number;
  readonly timer: Timer;
}

export class WorkQueue<K = string> {
  private readonly rateLimiter: RateLimiter<K>;
  private readonly clock: Clock;
  /** Keys ready for a worker, in order; each also in `dirty`. */
  private queue: K[] = [];
  private head = 0;
  /** Keys that need processing (queued, or re-added while being processed). */
  private readonly dirty = new Set<K>();
  /** Keys a worker holds between get() and done(). */
  private readonly processing = new Set<K>();
  private readonly delayed = new Map<K, Delayed>();
  private readonly getters: Waiting<K>[] = [];
  private shuttingDown = false;
  private draining = false;
  private drained: (() => void)[] = [];

  constructor(options: WorkQueueOptions<K> = {}) {
    this.clock = options.clock ?? systemClock;
    this.rateLimiter =
      options.rateLimiter ?? defaultControllerRateLimiter<K>({ clock: this.clock });
  }

  /** Marks `key` as needing processing. Ignored after shut-down. */
  add(key: K): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds `key` after `delayMs` (at once if ≤ 0). A key already waiting keeps the earlier time. */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing !== undefined) {
      if (existing.readyAt <= readyAt) return;
      existing.timer.cancel();
    }
    const timer = this.clock.setTimer(delayMs, () => {
      if (this.delayed.get(key)?.timer !== timer) return;
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { readyAt, timer });
  }

  /** Adds `key` after its rate limiter's delay (its failures so far, and the overall rate). */
  addRateLimited(key: K): void {
    if (this.shuttingDown) return;
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets `key`'s back-off (call after it was processed successfully). */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** How many times `key` was rate-limited since it was last forgotten. */
  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * The next key, once one is ready; the caller must call done(key) when finished with it.
   * Resolves undefined when the queue shuts down (or `signal` aborts) first.
   */
  get(signal?: AbortSignal): Promise<K | undefined> {
    if (signal?.aborted === true) return Promise.resolve(undefined);
    const ready = this.take();
    if (ready !== undefined) return Promise.resolve(ready);
    // While draining, a key being processed may still be queued again: keep waiting.
    if (this.shuttingDown && !this.draining) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiting: Waiting<K> = { resolve, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiting.onAbort = () => {
          const i = this.getters.indexOf(waiting);
          if (i >= 0) this.getters.splice(i, 1);
          resolve(undefined);
        };
        signal.addEventListener("abort", waiting.onAbort, { once: true });
      }
      this.getters.push(waiting);
    });
  }

  /** Ends processing of `key`; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && (!this.shuttingDown || this.draining)) this.push(key);
    this.checkDrained();
  }

  /** Keys ready for a worker (not those being processed or waiting for a delay). */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Whether shutDown() or shutDownWithDrain() was called. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops at once: later adds are ignored, delayed and queued keys are dropped, and every
   * get() resolves undefined. Workers finish their current key and call done() as usual.
   */
  shutDown(): void {
    this.shuttingDown = true;
    this.draining = false;
    this.cancelDelayed();
    this.queue = [];
    this.head = 0;
    this.dirty.clear();
    this.releaseGetters();
    this.resolveDrained();
  }

  /**
   * Stops accepting keys (adds and delayed adds are dropped) but keeps handing out the keys
   * already queued; resolves once they are all processed and done. Needs running workers.
   * If `signal` aborts first, falls back to shutDown() (abandoning what is left).
   */
  shutDownWithDrain(signal?: AbortSignal): Promise<void> {
    if (this.shuttingDown && !this.draining) return Promise.resolve();
    this.shuttingDown = true;
    this.draining = true;
    this.cancelDelayed();
    const drained = new Promise<void>((resolve) => this.drained.push(resolve));
    if (signal !== undefined) {
      const onAbort = (): void => this.shutDown();
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        void drained.then(() => signal.removeEventListener("abort", onAbort));
      }
    }
    this.checkDrained();
    return drained;
  }

  private push(key: K): void {
    this.queue.push(key);
    this.dispatch();
  }

  /** The next queued key, moved to processing. */
  private take(): K | undefined {
    if (this.head >= this.queue.length) return undefined;
    const key = this.queue[this.head] as K;
    this.head++;
    // Compact now and then instead of shifting on every get.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private dispatch(): void {
    while (this.getters.length > 0 && this.len() > 0) {
      const waiting = this.getters.shift();
      const key = this.take();
      if (waiting === undefined || key === undefined) return;
      if (waiting.onAbort !== undefined)
        waiting.signal?.removeEventListener("abort", waiting.onAbort);
      waiting.resolve(key);
    }
  }

  private releaseGetters(): void {
    for (const waiting of this.getters.splice(0)) {
      if (waiting.onAbort !== undefined)
        waiting.signal?.removeEventListener("abort", waiting.onAbort);
      waiting.resolve(undefined);
    }
  }

  private cancelDelayed(): void {
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
  }

  private checkDrained(): void {
    if (!this.draining || this.len() > 0 || this.processing.size > 0) return;
    this.draining = false;
    this.dirty.clear();
    this.releaseGetters();
    this.resolveDrained();
  }

  private resolveDrained(): void {
    for (const resolve of this.drained.splice(0)) resolve();
  }
}
