// Waiting for a condition with a deadline, never sleeping as synchronisation: `probe`
// runs until it answers done; on timeout the failure says what was last seen.
import { setTimeout as delay } from "node:timers/promises";
import { CheckFailure } from "./check-failure.js";
import { describeError, show } from "./expectations.js";
import { formatSeconds } from "./runner.js";

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly intervalMs?: number;
}

/** Polls `probe` until it answers `{ done }`; `{ seen }` is what the report shows if it never does. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<{ done: T } | { seen: unknown }>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "nothing yet";
  for (;;) {
    options.signal.throwIfAborted();
    try {
      const r = await probe();
      if ("done" in r) return r.done;
      last = typeof r.seen === "string" ? r.seen : show(r.seen);
    } catch (e) {
      if (options.signal.aborted) throw e;
      last = describeError(e);
    }
    if (Date.now() >= deadline)
      throw new CheckFailure(`waited ${formatSeconds(options.timeoutMs)} for ${what}`, what, last);
    await delay(options.intervalMs ?? 50, undefined, { signal: options.signal });
  }
}
