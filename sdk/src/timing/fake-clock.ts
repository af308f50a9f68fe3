// A clock that moves only when told to: tests advance it and every timer that falls due
// fires, in order of due time, synchronously inside advance().
import type { Clock, Timer } from "./clock.js";

interface Scheduled {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private scheduled: Scheduled[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const s: Scheduled = {
      due: this.current + Math.max(0, ms),
      seq: this.seq++,
      fn,
      cancelled: false,
    };
    this.scheduled.push(s);
    return {
      cancel: () => {
        s.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.scheduled = this.scheduled.filter((s) => !s.cancelled);
      let next: Scheduled | undefined;
      for (const s of this.scheduled)
        if (
          s.due <= target &&
          (next === undefined || s.due < next.due || (s.due === next.due && s.seq < next.seq))
        )
          next = s;
      if (next === undefined) break;
      next.cancelled = true;
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = target;
  }

  /** Timers scheduled and not yet fired or cancelled. */
  pendingTimers(): number {
    return this.scheduled.filter((s) => !s.cancelled).length;
  }
}
