// Waiting on conditions, never on time: poll with a deadline and fail with what was last
// seen, so a slow machine makes a test slower, not flaky.

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than undefined or false, and returns
 * that. On timeout, throws with `describe()` (what was last seen).
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  describe: () => string = () => "",
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 2;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const seen = describe();
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${seen === "" ? "" : `; last seen: ${seen}`}`,
      );
    }
    await new Promise<void>((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Lets the event loop run `count` full turns (timers, I/O, immediates). Used only to give
 * something that must NOT happen every chance to happen before asserting it did not.
 */
export async function eventLoopTurns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}

/** The next value of an iterator, or an error naming `what` after `timeoutMs`. */
export async function nextWithin<T>(
  iterator: AsyncIterator<T>,
  timeoutMs: number,
  what: string,
): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([iterator.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Tracks whether a promise has settled, without changing its outcome for other awaiters. */
export function track<T>(promise: Promise<T>): {
  readonly settled: () => boolean;
  readonly promise: Promise<T>;
} {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return { settled: () => settled, promise };
}
