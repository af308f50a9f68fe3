// Slow start (Kubernetes' slowStartBatch): run an operation `count` times in batches of
// 1, 2, 4, ... calls at once, stopping after the first batch with a failure. A template the
// apiserver refuses (or a quota) then costs one failed call, not hundreds, while a good
// one still reaches large counts in a few round trips.

/** Kubernetes' SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH = 1;

export interface SlowStartResult {
  /** Calls that succeeded. The rest (count - successes) failed or were never made. */
  readonly successes: number;
  /** The first error of the batch that failed, if one did. */
  readonly error?: Error;
}

export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<void>,
): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (
    let batch = Math.min(remaining, initialBatchSize);
    batch > 0;
    batch = Math.min(2 * batch, remaining)
  ) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    let error: Error | undefined;
    for (const r of results) {
      if (r.status === "fulfilled") successes++;
      else error ??= asError(r.reason);
    }
    if (error !== undefined) return { successes, error };
    remaining -= batch;
  }
  return { successes };
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(`slow start: ${JSON.stringify(reason)}`);
}
