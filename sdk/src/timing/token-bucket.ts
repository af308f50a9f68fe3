// A token bucket that hands out reservations: take() always succeeds and says how long
// the caller must wait for its token (0 while the burst lasts). Refilled at `ratePerSecond`
// up to `burst`, judged on a monotonic clock.
import { systemClock, type Clock } from "./clock.js";

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError("ratePerSecond must be > 0");
    if (!(burst >= 1)) throw new RangeError("burst must be >= 1");
    this.tokens = burst;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((now - this.last) * this.ratePerSecond) / 1000,
    );
    this.last = now;
  }

  /** Reserves one token; returns the milliseconds until it is available. */
  take(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.ratePerSecond;
  }

  /** Takes a token only if one is available now. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
