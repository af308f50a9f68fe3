// Time as the SDK's loops see it: a monotonic clock (never jumps with the wall clock, so
// back-offs and lease expiry are immune to NTP steps) and cancellable timers. Injectable,
// so tests drive time with FakeClock instead of sleeping.

/** A scheduled callback; cancel() is idempotent. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (performance.now() for the system clock). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds unless cancelled first. */
  setTimer(ms: number, fn: () => void): Timer;
}

/** The process's monotonic clock and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * Waits `ms` milliseconds. Resolves true when the time has passed, false as soon as
 * `signal` aborts (at once if it already has); the timer is cleared either way.
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  clock: Clock = systemClock,
): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
