// How long a failed item waits before it is retried, as client-go's workqueue rate
// limiters: per-item exponential back-off (5 ms, 10 ms, 20 ms ... up to a cap, reset by
// forget) combined with an overall token bucket that bounds retries across all items.
import { systemClock, type Clock } from "../timing/clock.js";
import { TokenBucket } from "../timing/token-bucket.js";

export interface RateLimiter<K> {
  /** The delay (ms) before `item` may be retried; counts a failure of it. */
  when(item: K): number;
  /** Forgets the item's failures (it succeeded). */
  forget(item: K): void;
  /** Failures counted for the item since it was last forgotten. */
  numRequeues(item: K): number;
}

/** base * 2^failures, capped at max, per item. */
export class ItemExponentialRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 1_000_000,
  ) {}

  when(item: K): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^n overflows to Infinity for large n, which the cap absorbs.
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n);
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/** An overall rate of retries (all items together): qps with a burst. */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  private readonly bucket: TokenBucket;

  constructor(qps = 10, burst = 100, clock: Clock = systemClock) {
    this.bucket = new TokenBucket(qps, burst, clock);
  }

  when(_item: K): number {
    return this.bucket.take();
  }

  forget(_item: K): void {
    // The bucket does not track items.
  }

  numRequeues(_item: K): number {
    return 0;
  }
}

/** The longest delay of several limiters (each counts the failure). */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(item: K): number {
    let delay = 0;
    for (const l of this.limiters) delay = Math.max(delay, l.when(item));
    return delay;
  }

  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let n = 0;
    for (const l of this.limiters) n = Math.max(n, l.numRequeues(item));
    return n;
  }
}

export interface ControllerRateLimiterOptions {
  /** First per-item delay (default 5 ms). */
  readonly baseDelayMs?: number;
  /** Cap of the per-item delay (default 1,000 s). */
  readonly maxDelayMs?: number;
  /** Overall retries per second (default 10) and burst (default 100). */
  readonly qps?: number;
  readonly burst?: number;
  readonly clock?: Clock;
}

/** client-go's DefaultControllerRateLimiter: per-item exponential and an overall bucket. */
export function defaultControllerRateLimiter<K>(
  options: ControllerRateLimiterOptions = {},
): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialRateLimiter<K>(options.baseDelayMs ?? 5, options.maxDelayMs ?? 1_000_000),
    new BucketRateLimiter<K>(options.qps ?? 10, options.burst ?? 100, options.clock),
  );
}
