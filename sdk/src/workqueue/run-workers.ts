// Workers of a work queue: each takes a key, runs the handler, and on success forgets the
// key's back-off; on a thrown error it logs and re-adds the key rate-limited. The queue's
// guarantee (one key, one worker) makes handlers per key sequential.
import { stderrLogger, type Logger } from "../logging/logger.js";
import type { WorkQueue } from "./work-queue.js";

export type KeyHandler<K> = (key: K, signal: AbortSignal) => Promise<void> | void;

export interface RunWorkersOptions {
  readonly logger?: Logger;
  /** Names the queue in logs. */
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
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const key = await queue.get(signal);
      if (key === undefined) return;
      try {
        await handler(key, signal);
        queue.forget(key);
      } catch (err) {
        if (signal.aborted) queue.add(key);
        else {
          log.warn(
            { err, queue: options.name, key: String(key), requeues: queue.numRequeues(key) },
            "processing failed; retrying with back-off",
          );
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, () => worker()));
}
