// Records v1 Events about objects, as client-go's event recorder does:
// - the same (object, type, reason, message) seen again within the aggregation window
//   increments count and lastTimestamp of the Event already written (a merge Patch)
//   instead of creating another one;
// - a per-object token bucket drops floods (a crash-looping pod must not write thousands
//   of Events), and memory is bounded (an LRU of recent keys, a cap on pending writes);
// - event() never throws and never blocks: writes happen in the background, one at a time
//   per Event, with failures logged; flush() waits for them (tests, shutdown).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { ApiClient, KindClient } from "../client/api-client.js";
import { ApiStatusError } from "../client/api-status-error.js";
import { Event } from "../gen/k8ts/api/v1/event.js";
import type { ObjectMeta, ObjectReference } from "../gen/k8ts/api/v1/meta.js";
import { lookupKind } from "../kinds/kinds.js";
import { stderrLogger, type Logger } from "../logging/logger.js";
import { systemClock, type Clock } from "../timing/clock.js";
import { TokenBucket } from "../timing/token-bucket.js";
import { LruCache } from "./lru-cache.js";

export type EventType = "Normal" | "Warning";

/** The object an Event is about: at least its kind and name. */
export type InvolvedObject = Pick<ObjectReference, "kind" | "name"> &
  Partial<Omit<ObjectReference, "kind" | "name">>;

/** A reference to `object` of `kind`, e.g. `referenceTo("Pod", pod)`. */
export function referenceTo(
  kind: string,
  object: { metadata?: ObjectMeta | undefined },
  fieldPath = "",
): InvolvedObject {
  const info = lookupKind(kind);
  return {
    kind: info?.kind ?? kind,
    apiVersion: info?.apiVersion ?? "",
    namespace: object.metadata?.namespace ?? "",
    name: object.metadata?.name ?? "",
    uid: object.metadata?.uid ?? "",
    resourceVersion: object.metadata?.resourceVersion ?? "",
    fieldPath,
  };
}

export interface EventRecorderOptions {
  readonly client: ApiClient;
  /** The reporting component, e.g. "replicaset-controller". */
  readonly component: string;
  /** The node the component runs on, if any (source.host). */
  readonly host?: string;
  /** The instance of the component (default: the hostname). */
  readonly reportingInstance?: string;
  /** Repeats within this window update the existing Event (default 10 minutes). */
  readonly aggregationWindowMs?: number;
  /** Distinct events remembered for aggregation, and objects for rate limiting (default 4,096). */
  readonly maxKeys?: number;
  /** Events per object: a burst (default 25) refilled at a rate (default 1 per 5 minutes). */
  readonly burstPerObject?: number;
  readonly refillPerSecond?: number;
  /** Writes waiting at most; more are dropped (default 1,000). */
  readonly maxPending?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

export interface EventRecorderMetrics {
  /** Events created and Events updated by aggregation. */
  created: number;
  aggregated: number;
  /** Events dropped by the per-object rate limit or the pending cap. */
  dropped: number;
  /** Writes that failed (logged). */
  failed: number;
}

interface Entry {
  readonly ref: InvolvedObject;
  readonly namespace: string;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  name: string;
  count: number;
  firstTimestamp: Date;
  lastTimestamp: Date;
  /** Monotonic time of the last occurrence (the aggregation window). */
  lastSeen: number;
  /** Whether the Event exists on the server (then writes are patches). */
  written: boolean;
  /** A write is queued and has not started. */
  scheduled: boolean;
  /** The chain of this Event's writes. */
  chain: Promise<void>;
}

const MAX_MESSAGE = 1024;
const MAX_NAME = 253;

export class EventRecorder {
  readonly metrics: EventRecorderMetrics = { created: 0, aggregated: 0, dropped: 0, failed: 0 };
  private readonly events: KindClient<Event>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly maxPending: number;
  private readonly entries: LruCache<string, Entry>;
  private readonly buckets: LruCache<string, TokenBucket>;
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: EventRecorderOptions) {
    this.events = options.client.kind("Event");
    this.log = options.logger ?? stderrLogger("events");
    this.clock = options.clock ?? systemClock;
    this.windowMs = options.aggregationWindowMs ?? 10 * 60_000;
    this.maxPending = options.maxPending ?? 1000;
    this.entries = new LruCache(options.maxKeys ?? 4096);
    this.buckets = new LruCache(options.maxKeys ?? 4096);
  }

  /** Records an Event about `object`; returns at once and never throws. */
  event(object: InvolvedObject, type: EventType, reason: string, message: string): void {
    try {
      this.record(object, type, reason, message);
    } catch (err) {
      this.log.error({ err, reason }, "could not record an event");
    }
  }

  /** Waits for every write queued so far. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops recording (later events are ignored) and waits for what is queued. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private record(ref: InvolvedObject, type: EventType, reason: string, message: string): void {
    if (this.closed) return;
    if (ref.kind === "" || ref.name === "") {
      this.log.warn({ ref, reason }, "event about an object without kind or name dropped");
      return;
    }
    const objectKey = JSON.stringify([ref.kind, ref.namespace ?? "", ref.name, ref.uid ?? ""]);
    let bucket = this.buckets.get(objectKey);
    if (bucket === undefined) {
      bucket = new TokenBucket(
        this.options.refillPerSecond ?? 1 / 300,
        this.options.burstPerObject ?? 25,
        this.clock,
      );
      this.buckets.set(objectKey, bucket);
    }
    const key = JSON.stringify([objectKey, type, reason, message]);
    const now = this.clock.now();
    const wall = new Date();
    let entry = this.entries.get(key);
    const aggregate = entry !== undefined && now - entry.lastSeen <= this.windowMs;
    // A repeat costs one patch of an existing Event: only new Events spend tokens.
    if (!aggregate && !bucket.tryTake()) {
      this.metrics.dropped++;
      return;
    }
    if (entry !== undefined && aggregate) {
      entry.count++;
      entry.lastSeen = now;
      entry.lastTimestamp = wall;
    } else {
      entry = {
        ref,
        namespace: ref.namespace !== undefined && ref.namespace !== "" ? ref.namespace : "default",
        type,
        reason,
        message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
        name: eventName(ref.name),
        count: 1,
        firstTimestamp: wall,
        lastTimestamp: wall,
        lastSeen: now,
        written: false,
        scheduled: false,
        chain: Promise.resolve(),
      };
      this.entries.set(key, entry);
    }
    this.schedule(entry);
  }

  /** Queues a write of `entry` unless one is already queued (it will carry the latest count). */
  private schedule(entry: Entry): void {
    if (entry.scheduled) return;
    if (this.pending.size >= this.maxPending) {
      this.metrics.dropped++;
      return;
    }
    entry.scheduled = true;
    const write = entry.chain.then(() => this.write(entry));
    entry.chain = write;
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Creates or patches the Event; never rejects. */
  private async write(entry: Entry): Promise<void> {
    entry.scheduled = false;
    try {
      if (entry.written) {
        try {
          await this.events.patch(
            entry.name,
            { count: entry.count, lastTimestamp: entry.lastTimestamp.toISOString() },
            { namespace: entry.namespace },
          );
          this.metrics.aggregated++;
          return;
        } catch (err) {
          // Expired (event TTL) or deleted meanwhile: write it again under a new name.
          if (!(err instanceof ApiStatusError && err.isNotFound)) throw err;
          entry.name = eventName(entry.ref.name);
        }
      }
      await this.events.create(this.eventOf(entry));
      entry.written = true;
      this.metrics.created++;
    } catch (err) {
      this.metrics.failed++;
      this.log.warn(
        { err, event: `${entry.namespace}/${entry.name}`, reason: entry.reason },
        "could not write an event",
      );
    }
  }

  private eventOf(entry: Entry): Event {
    const r = entry.ref;
    return Event.fromPartial({
      metadata: { name: entry.name, namespace: entry.namespace },
      involvedObject: {
        kind: r.kind,
        name: r.name,
        namespace: r.namespace ?? "",
        uid: r.uid ?? "",
        apiVersion: r.apiVersion ?? lookupKind(r.kind)?.apiVersion ?? "",
        resourceVersion: r.resourceVersion ?? "",
        fieldPath: r.fieldPath ?? "",
      },
      reason: entry.reason,
      message: entry.message,
      type: entry.type,
      source: { component: this.options.component, host: this.options.host ?? "" },
      firstTimestamp: entry.firstTimestamp,
      lastTimestamp: entry.lastTimestamp,
      count: entry.count,
      reportingComponent: this.options.component,
      reportingInstance: this.options.reportingInstance ?? hostname(),
    });
  }
}

/** `<object name>.<unique suffix>`: time in hex plus randomness, within the name limit. */
function eventName(objectName: string): string {
  const suffix = `${Date.now().toString(16)}${randomBytes(3).toString("hex")}`;
  const base = objectName.slice(0, MAX_NAME - suffix.length - 1).replace(/[^a-z0-9]+$/, "");
  return `${base}.${suffix}`;
}
