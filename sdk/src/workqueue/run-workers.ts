// Workers of a work queue: each takes a key, runs the handler, and on success forgets the
// key's back-off; on a thrown error it logs and re-adds the key rate-limited. The queue's
// guarantee (one key, one worker) makes handlers per key sequential. Each handler call is
// a span ("reconcile <name>"), so every controller's reconciles are traced.
import { stderrLogger, type Logger } from "../logging/logger.js";
import { withSpan } from "../telemetry/with-span.js";
import type { WorkQueue } from "./work-queue.js";

export type KeyHandler<K> = (key: K, signal: AbortSignal) => Promise<void> | void;

export interface RunWorkersOptions {
  readonly logger?: Logger;
  /** Names the queue in logs and the reconcile spans ("reconcile <name>"). */
  readonly name?: string;
}

/**
 * Runs `workers` concurrent workers until `signal` aborts or the queue shuts down; resolves
 * once every worker has returned (a handler in progress gets the signal and is awaited).
 * A key whose handler was interrupted by the abort is added back, not dropped, so workers
 * started again later (e.g. by the next leader) still see it.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  workers: number,
  handler: KeyHandler<K>,
  signal: AbortSignal,
  options: RunWorkersOptions = {},
): Promise<void> {
  const log = options.logger ?? stderrLogger("workqueue");
  const spanName = options.name === undefined ? "reconcile" : `reconcile ${options.name}`;
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const key = await queue.get(signal);
      if (key === undefined) return;
      try {
        await withSpan(
          spanName,
          { "k8ts.queue": options.name ?? "", "k8ts.key": String(key) },
          async () => {
            try {
              await handler(key, signal);
            } catch (err) {
              // Logged inside the span, so the line carries the reconcile's trace id.
              if (!signal.aborted)
                log.warn(
                  { err, queue: options.name, key: String(key), requeues: queue.numRequeues(key) },
                  "processing failed; retrying with back-off",
                );
              throw err;
            }
          },
        );
        queue.forget(key);
      } catch {
        // Reported above; the key is retried either way.
        if (signal.aborted) queue.add(key);
        else queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, () => worker()));
}
