// Jittered exponential back-off for retry loops (re-watch, relist, lease retries): each
// failure doubles the base delay up to a cap; each wait is the base plus up to `jitter`
// times the base at random (also at the cap), so many clients that failed together do
// not retry together.
import { sleep, systemClock, type Clock } from "./clock.js";

export interface BackoffOptions {
  /** First delay (ms). */
  readonly initialMs: number;
  /** Cap of the base delay (ms). */
  readonly maxMs: number;
  /** Growth per failure (default 2). */
  readonly factor?: number;
  /** Random extra, as a fraction of the base delay (default 0.5). */
  readonly jitter?: number;
}

export class Backoff {
  private base: number;

  constructor(
    readonly options: BackoffOptions,
    private readonly clock: Clock = systemClock,
    private readonly random: () => number = Math.random,
  ) {
    this.base = options.initialMs;
  }

  /** The next delay (ms); advances the back-off. */
  next(): number {
    const delay = this.base * (1 + (this.options.jitter ?? 0.5) * this.random());
    this.base = Math.min(this.options.maxMs, this.base * (this.options.factor ?? 2));
    return delay;
  }

  /** Back to the initial delay (after a success). */
  reset(): void {
    this.base = this.options.initialMs;
  }

  /** Waits the next delay; false if `signal` aborted first. */
  wait(signal?: AbortSignal): Promise<boolean> {
    return sleep(this.next(), signal, this.clock);
  }
}
