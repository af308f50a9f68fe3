// The queue of pods waiting for a node, as kube-scheduler's PriorityQueue:
// - active: pods to try now, highest priority first, then first come first served;
// - back-off: pods that failed recently, each waiting initial * 2^(attempts-1) (capped)
//   after its last failure before it is tried again;
// - unschedulable: pods no node could take. They stay there until a cluster event that
//   one of the plugins that rejected them cares about (a node added, a pod deleted, ...),
//   then go to back-off (if their back-off has not run out) or active. Pods that stay
//   longer than maxUnschedulableMs are retried anyway, in case an event was missed.
// A pod being scheduled (popped, bind maybe in flight) is "in flight": events that happen
// meanwhile are remembered, so a pod that fails just after the change that would have
// helped it is not parked as unschedulable and forgotten.
import { systemClock, type Clock, type Timer } from "@k8ts/sdk";
import type { ClusterEvent } from "./cluster-event.js";
import { KeyedHeap } from "./keyed-heap.js";
import type { PodInfo } from "./pod-info.js";

export interface QueuedPod {
  /** The latest version of the pod the queue knows. */
  podInfo: PodInfo;
  /** Attempts so far (incremented on each pop). */
  attempts: number;
  /** Monotonic time the pod first entered the queue (queue latency). */
  readonly firstQueuedAt: number;
  /** Monotonic time of the last failure; back-off counts from here. */
  lastFailureAt: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: ReadonlySet<string>;
  /** Insertion order among pods of equal priority. */
  seq: number;
  /** Monotonic time it became unschedulable. */
  unschedulableSince: number;
}

export interface SchedulingQueueOptions {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Unschedulable pods are retried after this long even without an event (default 5 min). */
  readonly maxUnschedulableMs?: number;
  /** Events each plugin cares about; a plugin not listed is moved by every event. */
  readonly pluginEvents: ReadonlyMap<string, ReadonlySet<ClusterEvent>>;
  readonly clock?: Clock;
}

export interface QueueCounts {
  readonly active: number;
  readonly backoff: number;
  readonly unschedulable: number;
  readonly inFlight: number;
}

interface InFlight {
  queued: QueuedPod;
  /** Deleted or bound by someone else while in flight: do not requeue. */
  gone: boolean;
  readonly events: Set<ClusterEvent>;
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly active: KeyedHeap<QueuedPod>;
  private readonly backoff: KeyedHeap<QueuedPod>;
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly maxUnschedulableMs: number;
  private seq = 0;
  private waiter: ((queued: QueuedPod | undefined) => void) | undefined;
  private backoffTimer: { timer: Timer; due: number } | undefined;
  private flushTimer: Timer | undefined;
  private closed = false;

  constructor(private readonly options: SchedulingQueueOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxUnschedulableMs = options.maxUnschedulableMs ?? 5 * 60_000;
    this.active = new KeyedHeap(
      (q) => q.podInfo.uid,
      (a, b) =>
        a.podInfo.priority !== b.podInfo.priority
          ? a.podInfo.priority > b.podInfo.priority
          : a.seq < b.seq,
    );
    this.backoff = new KeyedHeap(
      (q) => q.podInfo.uid,
      (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
    );
  }

  /** Starts the periodic retry of long-unschedulable pods; stops everything on abort. */
  start(signal: AbortSignal): void {
    if (signal.aborted) return this.close();
    const interval = Math.max(50, Math.min(30_000, this.maxUnschedulableMs / 2));
    const tick = (): void => {
      this.flushUnschedulableLeftovers();
      this.flushTimer = this.clock.setTimer(interval, tick);
    };
    this.flushTimer = this.clock.setTimer(interval, tick);
    signal.addEventListener("abort", () => this.close(), { once: true });
  }

  /** Stops timers and wakes a waiting pop() with undefined. */
  close(): void {
    this.closed = true;
    this.flushTimer?.cancel();
    this.backoffTimer?.timer.cancel();
    this.backoffTimer = undefined;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }

  counts(): QueueCounts {
    return {
      active: this.active.size,
      backoff: this.backoff.size,
      unschedulable: this.unschedulable.size,
      inFlight: this.inFlight.size,
    };
  }

  /** Whether the queue holds the pod in any sub-queue or in flight. */
  has(uid: string): boolean {
    return (
      this.active.has(uid) ||
      this.backoff.has(uid) ||
      this.unschedulable.has(uid) ||
      this.inFlight.has(uid)
    );
  }

  /** A new pod to schedule (or a known one: then as update). */
  add(podInfo: PodInfo): void {
    if (this.has(podInfo.uid)) return this.update(podInfo, true);
    const now = this.clock.now();
    this.pushActive({
      podInfo,
      attempts: 0,
      firstQueuedAt: now,
      lastFailureAt: now,
      unschedulablePlugins: new Set(),
      seq: 0,
      unschedulableSince: 0,
    });
  }

  /**
   * A newer version of a queued pod. `changed`: its spec or labels changed (not only its
   * status), which may make it schedulable: an unschedulable pod is then tried again.
   */
  update(podInfo: PodInfo, changed: boolean): void {
    const uid = podInfo.uid;
    const flying = this.inFlight.get(uid);
    if (flying !== undefined) {
      flying.queued.podInfo = podInfo;
      return;
    }
    const queued = this.active.get(uid) ?? this.backoff.get(uid);
    if (queued !== undefined) {
      queued.podInfo = podInfo;
      return;
    }
    const parked = this.unschedulable.get(uid);
    if (parked === undefined) return this.add(podInfo);
    parked.podInfo = podInfo;
    if (!changed) return;
    this.unschedulable.delete(uid);
    this.requeue(parked);
  }

  /** The pod is gone (deleted, bound elsewhere, no longer ours). */
  delete(uid: string): void {
    this.active.remove(uid);
    this.backoff.remove(uid);
    this.unschedulable.delete(uid);
    const flying = this.inFlight.get(uid);
    if (flying !== undefined) flying.gone = true;
  }

  /**
   * The next pod to schedule; waits while none is active. Resolves undefined when the
   * queue is closed or `signal` aborts. The pod is in flight until requeued or done().
   */
  pop(signal?: AbortSignal): Promise<QueuedPod | undefined> {
    if (this.closed || signal?.aborted === true) return Promise.resolve(undefined);
    const next = this.takeActive();
    if (next !== undefined) return Promise.resolve(next);
    if (this.waiter !== undefined) throw new Error("only one pop() may wait at a time");
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.waiter = undefined;
        resolve(undefined);
      };
      this.waiter = (queued) => {
        signal?.removeEventListener("abort", onAbort);
        this.waiter = undefined;
        resolve(queued);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The attempt succeeded (the pod is bound) or the pod was dropped: forget it. */
  done(uid: string): void {
    this.inFlight.delete(uid);
  }

  /**
   * The attempt found no node: park the pod until an event that one of `plugins` cares
   * about, unless such an event already happened while it was in flight.
   */
  requeueUnschedulable(uid: string, plugins: ReadonlySet<string>): void {
    const flying = this.takeInFlight(uid);
    if (flying === undefined) return;
    const queued = flying.queued;
    queued.unschedulablePlugins = plugins;
    queued.lastFailureAt = this.clock.now();
    if ([...flying.events].some((e) => this.helps(queued, e))) return this.requeue(queued);
    queued.unschedulableSince = queued.lastFailureAt;
    this.unschedulable.set(uid, queued);
  }

  /** The attempt failed for another reason (an error, a failed bind): retry after back-off. */
  requeueAfterError(uid: string): void {
    const flying = this.takeInFlight(uid);
    if (flying === undefined) return;
    flying.queued.unschedulablePlugins = new Set();
    flying.queued.lastFailureAt = this.clock.now();
    this.requeue(flying.queued);
  }

  /** Popped but not tried (the scheduler stopped): back to active, the attempt uncounted. */
  requeueUntried(uid: string): void {
    const flying = this.takeInFlight(uid);
    if (flying === undefined) return;
    flying.queued.attempts--;
    this.pushActive(flying.queued);
  }

  /** Something changed in the cluster: retry the unschedulable pods it may help. */
  onClusterEvent(event: ClusterEvent): void {
    for (const flying of this.inFlight.values()) flying.events.add(event);
    for (const [uid, queued] of this.unschedulable) {
      if (!this.helps(queued, event)) continue;
      this.unschedulable.delete(uid);
      this.requeue(queued);
    }
  }

  /** Back-off of a pod after `attempts` attempts. */
  backoffDuration(attempts: number): number {
    let d = this.options.initialBackoffMs;
    for (let i = 1; i < attempts && d < this.options.maxBackoffMs; i++) d *= 2;
    return Math.min(d, this.options.maxBackoffMs);
  }

  private backoffExpiry(q: QueuedPod): number {
    return q.lastFailureAt + this.backoffDuration(q.attempts);
  }

  private helps(queued: QueuedPod, event: ClusterEvent): boolean {
    if (queued.unschedulablePlugins.size === 0) return true;
    for (const plugin of queued.unschedulablePlugins) {
      const events = this.options.pluginEvents.get(plugin);
      if (events === undefined || events.has(event)) return true;
    }
    return false;
  }

  private takeInFlight(uid: string): InFlight | undefined {
    const flying = this.inFlight.get(uid);
    if (flying === undefined) return undefined;
    this.inFlight.delete(uid);
    return flying.gone ? undefined : flying;
  }

  /** To back-off if its back-off has not run out, else to active. */
  private requeue(queued: QueuedPod): void {
    if (queued.attempts > 0 && this.clock.now() < this.backoffExpiry(queued)) {
      this.backoff.push(queued);
      this.armBackoffTimer();
    } else this.pushActive(queued);
  }

  private pushActive(queued: QueuedPod): void {
    queued.seq = this.seq++;
    this.active.push(queued);
    if (this.waiter !== undefined) {
      const next = this.takeActive();
      if (next !== undefined) this.waiter(next);
    }
  }

  private takeActive(): QueuedPod | undefined {
    const queued = this.active.pop();
    if (queued === undefined) return undefined;
    queued.attempts++;
    this.inFlight.set(queued.podInfo.uid, { queued, gone: false, events: new Set() });
    return queued;
  }

  private armBackoffTimer(): void {
    if (this.closed) return;
    const head = this.backoff.peek();
    if (head === undefined) return;
    const due = this.backoffExpiry(head);
    if (this.backoffTimer !== undefined && this.backoffTimer.due <= due) return;
    this.backoffTimer?.timer.cancel();
    this.backoffTimer = {
      due,
      timer: this.clock.setTimer(due - this.clock.now(), () => {
        this.backoffTimer = undefined;
        this.flushBackoff();
      }),
    };
  }

  private flushBackoff(): void {
    const now = this.clock.now();
    for (;;) {
      const head = this.backoff.peek();
      if (head === undefined || this.backoffExpiry(head) > now) break;
      this.backoff.pop();
      this.pushActive(head);
    }
    this.armBackoffTimer();
  }

  private flushUnschedulableLeftovers(): void {
    const now = this.clock.now();
    for (const [uid, queued] of this.unschedulable) {
      if (now - queued.unschedulableSince < this.maxUnschedulableMs) continue;
      this.unschedulable.delete(uid);
      this.requeue(queued);
    }
  }
}
