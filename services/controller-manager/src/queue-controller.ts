// The shape most controllers share: event handlers on shared informers turn changes into
// keys on one work queue, and workers reconcile keys from the informers' caches. The base
// class owns the queue, the handler registrations and the workers' lifetime; a controller
// registers its handlers in its constructor (handle()) and implements reconcile().
import {
  WorkQueue,
  runWorkers,
  type ApiObjectLike,
  type EventHandler,
  type HandlerRegistration,
  type SharedInformer,
} from "@k8ts/sdk";
import type { Controller, ControllerContext } from "./controller.js";

export abstract class QueueController implements Controller {
  protected readonly queue: WorkQueue<string>;
  private readonly registrations: HandlerRegistration[] = [];
  private reconciles = 0;
  private failures = 0;

  constructor(
    protected readonly context: ControllerContext,
    /** Names the queue in logs and the reconcile spans. */
    protected readonly name: string,
  ) {
    this.queue = new WorkQueue<string>({ clock: context.clock });
  }

  /** Registers `handler` on `informer`; removed when run() ends. */
  protected handle<T extends ApiObjectLike>(
    informer: SharedInformer<T>,
    handler: EventHandler<T>,
  ): void {
    this.registrations.push(informer.addEventHandler(handler));
  }

  /**
   * Brings the cluster closer to the desired state for `key`. Throwing retries the key with
   * back-off; to look again later without an error, call `this.queue.addAfter(key, ms)`.
   */
  protected abstract reconcile(key: string, signal: AbortSignal): Promise<void>;

  /** Work besides the queue (periodic checks); runs while run() does. Default: none. */
  protected background(_signal: AbortSignal): Promise<void> {
    return Promise.resolve();
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      await Promise.all([
        runWorkers(
          this.queue,
          this.context.options.concurrentWorkers,
          async (key, s) => {
            this.reconciles++;
            try {
              await this.reconcile(key, s);
            } catch (e) {
              this.failures++;
              throw e;
            }
          },
          signal,
          { logger: this.context.logger, name: this.name },
        ),
        this.background(signal),
      ]);
    } finally {
      for (const r of this.registrations) r.remove();
      this.queue.shutDown();
    }
  }

  status(): Readonly<Record<string, number>> {
    return { queued: this.queue.len(), reconciles: this.reconciles, failures: this.failures };
  }
}
