// Delivery of an informer's notifications to one registered handler, in order, one at a
// time (an async handler is awaited before the next notification). Each handler has its
// own queue, so a slow handler delays only itself, and a throwing or rejecting handler is
// logged and skipped: it can never stop the informer or reach the process as an
// unhandled rejection.
import type { Logger } from "../logging/logger.js";

export interface DeleteInfo {
  /**
   * True when the informer did not see the delete itself: the object was gone from a
   * relist. The object is then the last state the informer knew.
   */
  readonly finalStateUnknown: boolean;
}

export interface EventHandler<T> {
  /** A new object; `isInInitialList` for those of the first list (or a late registration). */
  onAdd?(object: T, isInInitialList: boolean): void | Promise<void>;
  /** A changed object; also called with the same object twice on resync. */
  onUpdate?(oldObject: T, newObject: T): void | Promise<void>;
  onDelete?(object: T, info: DeleteInfo): void | Promise<void>;
}

export type Notification<T> =
  | { readonly type: "add"; readonly object: T; readonly initial: boolean }
  | { readonly type: "update"; readonly oldObject: T; readonly newObject: T }
  | { readonly type: "delete"; readonly object: T; readonly finalStateUnknown: boolean };

export class HandlerQueue<T> {
  private queue: Notification<T>[] = [];
  private running = false;
  private stopped = false;
  /** Initial notifications not yet delivered. */
  private initialPending = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: EventHandler<T>,
    private readonly log: Logger,
    private readonly kind: string,
    private readonly onError: () => void,
  ) {}

  push(n: Notification<T>): void {
    if (this.stopped) return;
    if (n.type === "add" && n.initial) this.initialPending++;
    this.queue.push(n);
    if (!this.running) {
      this.running = true;
      void this.drain();
    }
  }

  /** Whether every initial notification has been handled. */
  initialDelivered(): boolean {
    return this.initialPending === 0;
  }

  /** Notifications waiting for the handler. */
  pending(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or being handled. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is queued and delivers nothing more. */
  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.initialPending = 0;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.stopped) {
        // Batches keep shift() cheap on long queues.
        const batch = this.queue;
        this.queue = [];
        for (const n of batch) {
          if (this.stopped) break;
          await this.deliver(n);
          if (n.type === "add" && n.initial && this.initialPending > 0) this.initialPending--;
        }
      }
    } finally {
      this.running = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async deliver(n: Notification<T>): Promise<void> {
    try {
      switch (n.type) {
        case "add":
          await this.handler.onAdd?.(n.object, n.initial);
          break;
        case "update":
          await this.handler.onUpdate?.(n.oldObject, n.newObject);
          break;
        case "delete":
          await this.handler.onDelete?.(n.object, { finalStateUnknown: n.finalStateUnknown });
          break;
      }
    } catch (err) {
      this.onError();
      this.log.error({ err, kind: this.kind, notification: n.type }, "informer handler failed");
    }
  }
}
