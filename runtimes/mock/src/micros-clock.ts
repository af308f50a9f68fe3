// Time in the mock runtime: integer microseconds since the Unix epoch. Exact in a double
// (far below 2^53) and in JSON, fine enough to order log entries, and converted to the
// contract's nanoseconds only at the gRPC edge.

/** Wall-clock time in microseconds, with sub-millisecond resolution. */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Microseconds to the contract's nanoseconds; 0 stays 0 ("not yet"). */
export function usToNs(us: number): number {
  return us * 1000;
}

/**
 * The contract's nanoseconds to microseconds. Rounded to the nearest: a timestamp this
 * plugin sent comes back a few hundred ns off (a double near 1.8e18 is exact only to 256
 * ns), and must still name the same microsecond.
 */
export function nsToUs(ns: number): number {
  return Math.round(ns / 1000);
}
