// The watch cache: every object of the store in memory, kept current by one store watch,
// serving gets, lists and watches. It holds a window of recent events so that a watch can
// resume from a version instead of relisting, and it loads the store's retained history
// at start so that clients survive an apiserver restart the same way.
//
// Everything here runs on the event loop without awaiting between reading the state and
// registering a watcher, so a list or a watch always sees one consistent revision.
import {
  EVERYTHING,
  allKinds,
  fieldsOf,
  messageFns,
  type FieldMatcher,
  type KindInfo,
  type LabelMatcher,
} from "@k8ts/sdk";
import type { Store, WatchEvent } from "../storage/store.js";
import { CompactedError } from "../storage/errors.js";
import { GoneError, TimeoutError, UnavailableError } from "../registry/api-errors.js";
import { decodeStored, type ApiObject } from "../registry/envelope.js";
import { REGISTRY_PREFIX, pluralOfKey } from "../registry/keys.js";
import { encodeMetadataOnly, encodeWatchEvent } from "./watch-encoding.js";
import { WatcherIndex } from "./watcher-index.js";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** One object as the cache holds it; shared and read-only. */
export class CachedObject {
  private bytes: Uint8Array | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, string>>;

  constructor(
    readonly key: string,
    readonly kind: KindInfo,
    readonly object: ApiObject,
    readonly revision: number,
  ) {
    this.labels = object.metadata?.labels ?? {};
    this.fields = fieldsOf(kind.kind, object);
  }

  /** The object message, encoded once. */
  encoded(): Uint8Array {
    const bytes = this.bytes ?? messageFns(this.kind.typeName).encode(this.object).finish();
    this.bytes = bytes;
    return bytes;
  }
}

export interface CacheEvent {
  readonly type: EventType;
  readonly revision: number;
  readonly key: string;
  /** The object after the change; for DELETED, its last state (at the delete revision). */
  readonly current: CachedObject;
  readonly previous: CachedObject | undefined;
  /** When the cache applied it (ms), for the history window. */
  readonly at: number;
}

/** What a watcher receives. bytes() is the encoded <Kind>WatchEvent, shared by watchers. */
export interface WatchDelivery {
  readonly type: EventType | "BOOKMARK";
  readonly revision: number;
  readonly object: CachedObject | undefined;
  bytes(): Uint8Array;
}

export interface WatchFilter {
  readonly kind: KindInfo;
  /** "" = every namespace. */
  readonly namespace: string;
  readonly labels: LabelMatcher;
  readonly fields: FieldMatcher | undefined;
}

export interface WatchSink {
  /**
   * What precedes the live changes: the current objects (initial events) or the history
   * after the requested version. It is consumed lazily, as the client reads, before any
   * live delivery; it holds references only, so a large backlog costs no copies.
   */
  backlog(deliveries: Iterator<WatchDelivery>): void;
  /** Receives every matching change after the backlog, in order. */
  deliver(delivery: WatchDelivery): void;
  /** The cache cannot continue this watch (e.g. it had to rebuild): end it with `error`. */
  terminate(error: Error): void;
}

export interface WatchHandle {
  /** Stops deliveries; idempotent. */
  close(): void;
}

export interface WatchCacheOptions {
  /** How long events are kept for resuming watches (default 5 minutes). */
  readonly historyWindowMs?: number;
  /** Upper bound on kept events, whatever the window (default 100,000). */
  readonly maxHistory?: number;
  /** How long a read waits for the cache to reach a version (default 5 s). */
  readonly waitTimeoutMs?: number;
  /** Called when the cache fails (its store watch ended with an error). */
  readonly onFailure?: (error: Error) => void;
  /** Called when a failed cache has reloaded from the store and serves again. */
  readonly onRecovered?: (revision: number) => void;
  /** First and longest pause between attempts to reload after a failure (100 ms, 5 s). */
  readonly recoveryBackoffMs?: { readonly initial: number; readonly max: number };
}

export const INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end";

const YIELD_EVERY_EVENTS = 64;

interface Waiter {
  readonly revision: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Registered {
  readonly filter: WatchFilter;
  readonly sink: WatchSink;
  closed: boolean;
}

function matches(filter: WatchFilter, o: CachedObject | undefined): boolean {
  if (o === undefined) return false;
  if (filter.namespace !== "" && (o.object.metadata?.namespace ?? "") !== filter.namespace)
    return false;
  if (!filter.labels.matches(o.labels)) return false;
  return filter.fields === undefined || filter.fields.matches(o.fields);
}

const byKey = (a: CachedObject, b: CachedObject): number =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

export class WatchCache {
  private readonly objects = new Map<string, CachedObject>();
  /** Per plural: keys sorted, rebuilt lazily after adds and deletes. */
  private readonly sorted = new Map<string, CachedObject[] | undefined>();
  private readonly kindsByPlural = new Map<string, KindInfo>();
  /** Per plural: the watchers, indexed by namespace and node (watcher-index.ts). */
  private readonly watchers = new Map<string, WatcherIndex<Registered>>();
  private history: CacheEvent[] = [];
  private revisionValue = 0;
  /** Events at or below this revision are not in history (it starts just after it). */
  private historyFloor = 0;
  private waiters: Waiter[] = [];
  private failure: Error | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private recovery: Promise<void> | undefined;
  private readonly windowMs: number;
  private readonly maxHistory: number;
  private readonly waitTimeoutMs: number;

  constructor(
    private readonly store: Store,
    private readonly options: WatchCacheOptions = {},
  ) {
    this.windowMs = options.historyWindowMs ?? 5 * 60_000;
    this.maxHistory = options.maxHistory ?? 100_000;
    this.waitTimeoutMs = options.waitTimeoutMs ?? 5_000;
    for (const k of allKinds()) this.kindsByPlural.set(k.plural, k);
  }

  /** The revision of the last applied event. */
  get revision(): number {
    return this.revisionValue;
  }

  /** Loads every object and the retained history, then follows the store. */
  async start(): Promise<void> {
    await this.load();
  }

  /**
   * (Re)builds the cache from the store: every object, and the history the store still
   * retains, then follows the store from there. After a failure it starts from scratch
   * (its watchers were ended and re-watch; versions still in the store's history resume).
   */
  private async load(): Promise<void> {
    this.objects.clear();
    this.sorted.clear();
    this.history = [];
    const compact = await this.store.compactRevision();
    const scan = await this.store.scan({ prefix: REGISTRY_PREFIX });
    for (const kv of scan.items) {
      const o = this.decode(kv.key, kv.value, kv.modRevision);
      if (o !== undefined) this.objects.set(kv.key, o);
    }
    this.revisionValue = scan.revision;
    this.historyFloor = scan.revision;
    // Replay what the store still retains before the scan into history (not into state:
    // the scan already reflects it), so watches from those versions resume after a restart.
    const replay: CacheEvent[] = [];
    const iterator = this.store.watch(REGISTRY_PREFIX, compact, this.abort.signal);
    let first: IteratorResult<WatchEvent> | undefined;
    if (compact < scan.revision) {
      this.historyFloor = compact;
      for (;;) {
        const r = await iterator.next();
        if (r.done === true) break;
        const e = r.value;
        if (e.revision > scan.revision) {
          first = r;
          break;
        }
        const ev = this.toCacheEvent(e);
        if (ev !== undefined) replay.push(ev);
        if (e.revision === scan.revision) break;
      }
    }
    this.history = replay;
    this.loop = this.follow(iterator, first);
  }

  private async follow(
    iterator: AsyncIterableIterator<WatchEvent>,
    first: IteratorResult<WatchEvent> | undefined,
  ): Promise<void> {
    try {
      if (first !== undefined && first.done !== true) this.apply(first.value);
      for (let applied = 1; ; applied++) {
        const r = await iterator.next();
        if (r.done === true) return;
        this.apply(r.value);
        // The store hands out a backlog of events without turning the event loop; give
        // sockets a turn now and then so watchers can drain between events of a burst.
        if (applied % YIELD_EVERY_EVENTS === 0)
          await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      if (this.abort.signal.aborted) return;
      const error =
        e instanceof CompactedError
          ? new GoneError("watch cache fell behind the store's history")
          : (e as Error);
      this.fail(error);
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new UnavailableError("the apiserver's cache failed; retry", { cause: error }));
    }
    this.waiters = [];
    for (const index of this.watchers.values())
      for (const r of index.all())
        if (!r.closed) r.sink.terminate(new UnavailableError("watch cache failed; re-watch"));
    // The ended watchers' handles may still close later; they find nothing to remove.
    this.watchers.clear();
    this.options.onFailure?.(error);
    this.recovery = this.recover();
  }

  /**
   * Reloads from the store with back-off until it works (or the cache stops): a failed
   * store watch (the store was unreachable too long, or the cache fell behind its
   * history) must not need an apiserver restart. Reads answer UNAVAILABLE meanwhile.
   */
  private async recover(): Promise<void> {
    const backoff = this.options.recoveryBackoffMs ?? { initial: 100, max: 5_000 };
    let delay = backoff.initial;
    while (!this.abort.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.abort.signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
      if (this.abort.signal.aborted) return;
      try {
        await this.load();
        this.failure = undefined;
        this.options.onRecovered?.(this.revisionValue);
        return;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.options.onFailure?.(e as Error);
        delay = Math.min(delay * 2, backoff.max);
      }
    }
  }

  private decode(key: string, value: Uint8Array, revision: number): CachedObject | undefined {
    const plural = pluralOfKey(key);
    if (plural === undefined || !this.kindsByPlural.has(plural)) return undefined;
    const { kind, object } = decodeStored(key, value);
    object.metadata ??= undefined;
    if (object.metadata !== undefined) object.metadata.resourceVersion = String(revision);
    return new CachedObject(key, kind, object, revision);
  }

  private toCacheEvent(e: WatchEvent): CacheEvent | undefined {
    const current = this.decode(e.key, e.value, e.revision);
    if (current === undefined) return undefined;
    // Only used to tell selector transitions apart; its exact revision does not matter.
    const previous =
      e.prevValue === undefined ? undefined : this.decode(e.key, e.prevValue, e.revision - 1);
    return { type: e.type, revision: e.revision, key: e.key, current, previous, at: Date.now() };
  }

  private apply(e: WatchEvent): void {
    const plural = pluralOfKey(e.key);
    let event: CacheEvent | undefined;
    if (plural !== undefined && this.kindsByPlural.has(plural)) {
      const previous = this.objects.get(e.key);
      const current = this.decode(e.key, e.value, e.revision);
      if (current !== undefined) {
        event = {
          type: e.type,
          revision: e.revision,
          key: e.key,
          current,
          previous,
          at: Date.now(),
        };
        if (e.type === "DELETED") {
          this.objects.delete(e.key);
          this.sorted.set(plural, undefined);
        } else {
          if (previous === undefined) this.sorted.set(plural, undefined);
          else this.replaceSorted(plural, previous, current);
          this.objects.set(e.key, current);
        }
      }
    }
    this.revisionValue = e.revision;
    if (event !== undefined) {
      this.history.push(event);
      this.trimHistory();
      this.dispatch(plural ?? "", event);
    }
    this.releaseWaiters();
  }

  private replaceSorted(plural: string, previous: CachedObject, current: CachedObject): void {
    const list = this.sorted.get(plural);
    if (list === undefined) return;
    const i = this.indexOf(list, previous.key);
    if (i >= 0) list[i] = current;
    else this.sorted.set(plural, undefined);
  }

  private indexOf(list: CachedObject[], key: string): number {
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = list[mid]?.key ?? "";
      if (k === key) return mid;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private trimHistory(): void {
    const cutoff = Date.now() - this.windowMs;
    let drop = 0;
    while (
      drop < this.history.length &&
      (this.history.length - drop > this.maxHistory || (this.history[drop]?.at ?? 0) < cutoff)
    )
      drop++;
    // Trim in chunks (at least half the array or 1024 events): slicing on every event
    // would copy the whole history each time.
    if (drop > 0 && (drop >= 1024 || drop * 2 >= this.history.length)) {
      const last = this.history[drop - 1];
      if (last !== undefined) this.historyFloor = last.revision;
      this.history = this.history.slice(drop);
    }
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.revision <= this.revisionValue) {
        clearTimeout(w.timer);
        w.resolve();
      } else still.push(w);
    }
    this.waiters = still;
  }

  /** A failed cache (reloading) answers nothing: its contents are partial or stale. */
  private checkServing(): void {
    if (this.failure !== undefined)
      throw new UnavailableError("the apiserver's cache is reloading after a failure; retry");
  }

  /** Resolves once the cache has applied `revision` (UNAVAILABLE/DEADLINE on failure). */
  waitFor(revision: number): Promise<void> {
    if (this.failure !== undefined)
      return Promise.reject(new UnavailableError("the apiserver's cache failed; retry"));
    if (revision <= this.revisionValue) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(
          new TimeoutError(
            `timed out waiting for resourceVersion ${revision} (cache at ${this.revisionValue})`,
          ),
        );
      }, this.waitTimeoutMs);
      this.waiters.push({ revision, resolve, reject, timer });
    });
  }

  /** One object, as of the cache's current revision. */
  get(key: string): CachedObject | undefined {
    this.checkServing();
    return this.objects.get(key);
  }

  /** Every object of a kind (optionally one namespace) matching the selectors, in key order. */
  list(filter: WatchFilter): CachedObject[] {
    this.checkServing();
    const all = this.sortedOf(filter.kind.plural);
    if (filter.namespace === "" && filter.labels === EVERYTHING && filter.fields === undefined)
      return [...all];
    return all.filter((o) => matches(filter, o));
  }

  private sortedOf(plural: string): CachedObject[] {
    let list = this.sorted.get(plural);
    if (list === undefined) {
      const prefix = `${REGISTRY_PREFIX}${plural}/`;
      list = [];
      for (const o of this.objects.values()) if (o.key.startsWith(prefix)) list.push(o);
      list.sort(byKey);
      this.sorted.set(plural, list);
    }
    return list;
  }

  /**
   * Starts a watch. `from`: a revision to resume after (events > from), or "initial" to
   * first receive the current objects as ADDED and a bookmark marking their end.
   * Throws GoneError when `from` is older than the history kept.
   */
  watch(filter: WatchFilter, from: number | "initial", sink: WatchSink): WatchHandle {
    if (this.failure !== undefined)
      throw new UnavailableError("the apiserver's cache failed; retry");
    const registered: Registered = { filter, sink, closed: false };
    if (from === "initial") {
      const objects = this.list(filter);
      const end = bookmark(filter.kind, this.revisionValue, {
        [INITIAL_EVENTS_END_ANNOTATION]: "true",
      });
      sink.backlog(initialEvents(objects, end));
    } else {
      if (from < this.historyFloor)
        throw new GoneError(
          `too old resource version: ${from} (the oldest kept is ${this.historyFloor}); list again`,
        );
      // A version ahead of the cache (the caller waited for it with waitFor) has no backlog.
      sink.backlog(replay(this.history.slice(this.firstAfter(from)), filter));
    }
    let index = this.watchers.get(filter.kind.plural);
    if (index === undefined) {
      index = new WatcherIndex<Registered>();
      this.watchers.set(filter.kind.plural, index);
    }
    index.add(registered);
    const watchers = index;
    return {
      close: () => {
        registered.closed = true;
        watchers.delete(registered);
      },
    };
  }

  /** Index of the first history event with a revision above `revision`. */
  private firstAfter(revision: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.history[mid]?.revision ?? 0) <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private dispatch(plural: string, event: CacheEvent): void {
    const index = this.watchers.get(plural);
    if (index === undefined || index.size === 0) return;
    const namespace = event.current.object.metadata?.namespace ?? "";
    const nodeNow = event.current.fields["spec.nodeName"];
    const nodeBefore = event.previous?.fields["spec.nodeName"];
    for (const r of index.candidates(namespace, nodeNow, nodeBefore)) this.deliverEvent(r, event);
  }

  private deliverEvent(r: Registered, event: CacheEvent): void {
    if (r.closed) return;
    const d = deliveryFor(r.filter, event);
    if (d !== undefined) r.sink.deliver(d);
  }

  /** Sends a bookmark at the current revision to one watcher (periodic bookmarks). */
  bookmark(kind: KindInfo): WatchDelivery {
    return bookmark(kind, this.revisionValue);
  }

  /** Number of registered watchers (metrics, tests). */
  watcherCount(): number {
    let n = 0;
    for (const index of this.watchers.values()) n += index.size;
    return n;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new UnavailableError("the apiserver is shutting down"));
    }
    this.waiters = [];
    await this.recovery;
    await this.loop;
  }
}

/** What one watcher receives for one event: an object that starts or stops matching the
 * selectors arrives as ADDED or DELETED; nothing when it matches neither before nor after. */
function deliveryFor(filter: WatchFilter, event: CacheEvent): WatchDelivery | undefined {
  if (event.current.kind !== filter.kind) return undefined;
  if (event.type === "DELETED")
    return matches(filter, event.current)
      ? delivery("DELETED", event.current, event.revision)
      : undefined;
  const now = matches(filter, event.current);
  const before = matches(filter, event.previous);
  if (now) return delivery(before ? "MODIFIED" : "ADDED", event.current, event.revision);
  if (before) return delivery("DELETED", event.current, event.revision);
  return undefined;
}

function* initialEvents(
  objects: readonly CachedObject[],
  end: WatchDelivery,
): Generator<WatchDelivery> {
  for (const o of objects) yield delivery("ADDED", o, o.revision);
  yield end;
}

function* replay(events: readonly CacheEvent[], filter: WatchFilter): Generator<WatchDelivery> {
  for (const e of events) {
    const d = deliveryFor(filter, e);
    if (d !== undefined) yield d;
  }
}

const deliveryBytes = new WeakMap<CachedObject, Map<string, Uint8Array>>();

function delivery(type: EventType, object: CachedObject, revision: number): WatchDelivery {
  return {
    type,
    revision,
    object,
    bytes: () => {
      let byType = deliveryBytes.get(object);
      if (byType === undefined) {
        byType = new Map();
        deliveryBytes.set(object, byType);
      }
      let b = byType.get(type);
      if (b === undefined) {
        b = encodeWatchEvent(type, object.encoded());
        byType.set(type, b);
      }
      return b;
    },
  };
}

function bookmark(
  _kind: KindInfo,
  revision: number,
  annotations: Record<string, string> = {},
): WatchDelivery {
  let b: Uint8Array | undefined;
  return {
    type: "BOOKMARK",
    revision,
    object: undefined,
    bytes: () =>
      (b ??= encodeWatchEvent("BOOKMARK", encodeMetadataOnly(String(revision), annotations))),
  };
}
