// A shared informer: one list-and-watch of a kind feeding one indexed cache and any
// number of handlers. Nothing reaches a handler or a lister before the first complete list
// is in the cache (hasSynced); after a relist, objects that vanished meanwhile are
// reported deleted with their last known state. Handlers run in order, each in its own
// queue, and can neither stop the informer nor raise an unhandled rejection.
import type { KindClient } from "../client/api-client.js";
import { stderrLogger, type Logger } from "../logging/logger.js";
import { sleep, systemClock, type Clock } from "../timing/clock.js";
import { HandlerQueue, type EventHandler, type Notification } from "./handler-queue.js";
import { IndexedStore, objectKey, type ApiObjectLike, type IndexFunc } from "./indexed-store.js";
import { Lister } from "./lister.js";
import {
  newReflectorMetrics,
  Reflector,
  type ReflectorMetrics,
  type ReflectorOptions,
  type ReflectorSink,
} from "./reflector.js";

export interface SharedInformerOptions extends ReflectorOptions {
  /** Every this often, each cached object is handed to onUpdate(o, o) again (0: never). */
  readonly resyncPeriodMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

export interface InformerMetrics extends ReflectorMetrics {
  /** Handler calls that threw or rejected. */
  handlerErrors: number;
  /** Index functions that threw. */
  indexErrors: number;
}

export interface HandlerRegistration {
  /** Stops deliveries to the handler (what is queued for it is dropped). */
  remove(): void;
  /** The informer has synced and this handler has handled every initial object. */
  hasSynced(): boolean;
  /** Resolves when nothing is queued for the handler (tests, orderly shutdown). */
  idle(): Promise<void>;
}

export class SharedInformer<T extends ApiObjectLike> implements ReflectorSink<T> {
  readonly kind: string;
  readonly lister: Lister<T>;
  readonly metrics: InformerMetrics;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly store: IndexedStore<T>;
  private readonly reflector: Reflector<T>;
  private readonly handlers = new Set<HandlerQueue<T>>();
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private started = false;

  constructor(
    client: KindClient<T>,
    private readonly options: SharedInformerOptions = {},
  ) {
    this.kind = client.info.kind;
    this.log = options.logger ?? stderrLogger("informer");
    this.clock = options.clock ?? systemClock;
    const metrics = { ...newReflectorMetrics(), handlerErrors: 0, indexErrors: 0 };
    this.metrics = metrics;
    this.store = new IndexedStore<T>((index, key, err) => {
      metrics.indexErrors++;
      this.log.error({ err, kind: this.kind, index, key }, "index function failed");
    });
    this.lister = new Lister(this.kind, this.store, () => this.synced);
    this.reflector = new Reflector(client, this, options, this.log, this.clock, metrics);
  }

  /**
   * Registers a handler. Registered after the sync, it first receives every cached object
   * as an initial add, so late and early handlers see the same world.
   */
  addEventHandler(handler: EventHandler<T>): HandlerRegistration {
    const queue = new HandlerQueue(
      handler,
      this.log,
      this.kind,
      () => this.metrics.handlerErrors++,
    );
    this.handlers.add(queue);
    if (this.synced)
      for (const object of this.store.list()) queue.push({ type: "add", object, initial: true });
    return {
      remove: () => {
        queue.stop();
        this.handlers.delete(queue);
      },
      hasSynced: () => this.synced && queue.initialDelivered(),
      idle: () => queue.idle(),
    };
  }

  /** Adds indexes, e.g. `{ nodeName: (p) => [p.spec?.nodeName ?? ""] }`. */
  addIndexers(indexers: Readonly<Record<string, IndexFunc<T>>>): void {
    for (const [name, fn] of Object.entries(indexers)) this.store.addIndexer(name, fn);
  }

  /** Whether the first complete list is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== onSynced);
        resolve(false);
      };
      const onSynced = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.syncWaiters.push(onSynced);
    });
  }

  /** The resourceVersion the cache reflects ("" before the first list). */
  get lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  /** Whether run() was called. */
  isStarted(): boolean {
    return this.started;
  }

  /**
   * Lists, watches and delivers until `signal` aborts; resolves when everything has stopped
   * (queued notifications are then dropped). An informer runs once.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`the ${this.kind} informer was already started`);
    this.started = true;
    try {
      await Promise.all([this.reflector.run(signal), this.resync(signal)]);
    } finally {
      for (const h of this.handlers) h.stop();
      this.handlers.clear();
    }
  }

  private async resync(signal: AbortSignal): Promise<void> {
    const period = this.options.resyncPeriodMs ?? 0;
    if (period <= 0) return;
    while (await sleep(period, signal, this.clock)) {
      if (!this.synced) continue;
      for (const object of this.store.list())
        this.notify({ type: "update", oldObject: object, newObject: object });
    }
  }

  private notify(n: Notification<T>): void {
    for (const h of this.handlers) h.push(n);
  }

  /** ReflectorSink: a complete list. */
  replace(items: readonly T[], _resourceVersion: string): void {
    const fresh = new Map<string, T>();
    for (const item of items) fresh.set(objectKey(item), item);
    if (!this.synced) {
      this.store.replace(fresh);
      this.synced = true;
      for (const object of fresh.values()) this.notify({ type: "add", object, initial: true });
      for (const resolve of this.syncWaiters.splice(0)) resolve();
      return;
    }
    const before = new Map<string, T>();
    for (const key of this.store.keys()) {
      const o = this.store.get(key);
      if (o !== undefined) before.set(key, o);
    }
    this.store.replace(fresh);
    for (const [key, object] of before)
      if (!fresh.has(key)) this.notify({ type: "delete", object, finalStateUnknown: true });
    for (const [key, object] of fresh) {
      const previous = before.get(key);
      if (previous === undefined) this.notify({ type: "add", object, initial: false });
      else if (previous.metadata?.resourceVersion !== object.metadata?.resourceVersion)
        this.notify({ type: "update", oldObject: previous, newObject: object });
    }
  }

  /** ReflectorSink: one watch event. */
  apply(type: "ADDED" | "MODIFIED" | "DELETED", object: T): void {
    const key = objectKey(object);
    if (type === "DELETED") {
      const previous = this.store.delete(key);
      if (previous !== undefined) this.notify({ type: "delete", object, finalStateUnknown: false });
      return;
    }
    const previous = this.store.set(key, object);
    if (previous === undefined) this.notify({ type: "add", object, initial: false });
    else this.notify({ type: "update", oldObject: previous, newObject: object });
  }
}
