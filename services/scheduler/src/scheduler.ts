// The scheduler: informers feed the cache (nodes, bound pods) and the queue (unbound pods
// of this scheduler); the loop pops one pod at a time, decides synchronously on the cache
// (so one decision sees one consistent state), assumes the pod onto the chosen node and
// binds it in the background while the next decisions go on. A failed bind forgets the
// assumed pod and requeues it; "already bound" means another scheduler won: drop it.
//
// One informer of every pod serves both the cache and the queue: a pod's transition from
// unbound to bound arrives as one update, in order, so the queue drops the pod exactly
// when the cache gains it (two informers, one with spec.nodeName=, could deliver those in
// either order). Its memory is one copy of each pod, which the cache needs anyway.
import { status } from "@grpc/grpc-js";
import {
  ApiStatusError,
  referenceTo,
  systemClock,
  withSpan,
  type ApiClient,
  type Clock,
  type EventRecorder,
  type KindClient,
  type Logger,
  type SharedInformer,
  type SharedInformerFactory,
} from "@k8ts/sdk";
import type { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ClusterEvent } from "./framework/cluster-event.js";
import { Framework, PluginFailure, type PluginEntry } from "./framework/framework.js";
import { PodConditionWriter } from "./framework/pod-condition-writer.js";
import { newPodInfo, type PodInfo } from "./framework/pod-info.js";
import { PodScheduler, type ScheduleOutcome } from "./framework/schedule-pod.js";
import { SchedulerCache, isTerminal } from "./framework/scheduler-cache.js";
import { SchedulingQueue, type QueuedPod } from "./framework/scheduling-queue.js";
import { defaultPlugins } from "./plugins/default-plugins.js";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export interface SchedulerOptions {
  readonly client: ApiClient;
  readonly informers: SharedInformerFactory;
  readonly recorder: EventRecorder;
  readonly logger: Logger;
  /** Pods whose spec.schedulerName differs are left to other schedulers. */
  readonly schedulerName?: string;
  /** 0: adaptive (as kube-scheduler); 1-100: that share of the nodes. */
  readonly percentageOfNodesToScore?: number;
  readonly podInitialBackoffMs?: number;
  readonly podMaxBackoffMs?: number;
  /** Unschedulable pods are retried after this long even without a helpful event. */
  readonly podMaxInUnschedulableMs?: number;
  readonly assumedPodTtlMs?: number;
  /** Binds in flight at most; the loop waits for a slot (default 128). */
  readonly maxInflightBinds?: number;
  readonly plugins?: readonly PluginEntry[];
  readonly clock?: Clock;
  readonly random?: () => number;
  /**
   * Binds a pod to its node (pod.nodeName); rejects as the API does. Default: Pods.Bind
   * with the pod's uid as precondition. Tests wrap it to inject failures.
   */
  readonly bindPod?: (pod: PodInfo) => Promise<void>;
  /** Called for each pod bound, with where the time went (benchmarks, metrics). */
  readonly onScheduled?: (record: ScheduledRecord) => void;
}

export interface ScheduledRecord {
  readonly pod: string;
  readonly node: string;
  /** Attempts it took. */
  readonly attempts: number;
  /** From first entering the queue to the start of the successful attempt. */
  readonly queueMs: number;
  /** PreFilter, Filter, Score and selection. */
  readonly algorithmMs: number;
  /** The Bind call. */
  readonly bindMs: number;
}

export interface SchedulerMetrics {
  attempts: number;
  scheduled: number;
  unschedulable: number;
  errors: number;
  bindFailures: number;
  /** Binds that found the pod bound by someone else (another scheduler). */
  bindConflicts: number;
}

function bound(pod: Pod): boolean {
  return (pod.spec?.nodeName ?? "") !== "";
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whether an update can change where the pod fits (spec or labels, not only status). */
function specOrLabelsChanged(a: Pod, b: Pod): boolean {
  return (
    JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels)
  );
}

/** Whether a node change can change where pods fit (not heartbeats). */
function nodeChanged(a: Node, b: Node): boolean {
  const ready = (n: Node): string =>
    n.status?.conditions.find((c) => c.type === "Ready")?.status ?? "";
  return (
    JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels) ||
    JSON.stringify(a.spec?.taints) !== JSON.stringify(b.spec?.taints) ||
    a.spec?.unschedulable !== b.spec?.unschedulable ||
    JSON.stringify(a.status?.allocatable) !== JSON.stringify(b.status?.allocatable) ||
    ready(a) !== ready(b)
  );
}

export class Scheduler {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly metrics: SchedulerMetrics = {
    attempts: 0,
    scheduled: 0,
    unschedulable: 0,
    errors: 0,
    bindFailures: 0,
    bindConflicts: 0,
  };
  private readonly schedulerName: string;
  private readonly podScheduler: PodScheduler;
  private readonly pods: KindClient<Pod>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly nodeInformer: SharedInformer<Node>;
  private readonly conditions: PodConditionWriter;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly maxInflightBinds: number;
  private readonly binds = new Set<Promise<void>>();
  private running = false;
  private readonly bindPod: (pod: PodInfo) => Promise<void>;

  constructor(private readonly options: SchedulerOptions) {
    this.log = options.logger;
    this.clock = options.clock ?? systemClock;
    this.schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.maxInflightBinds = options.maxInflightBinds ?? 128;
    this.pods = options.client.kind("Pod");
    this.bindPod = options.bindPod ?? ((pod) => this.defaultBind(pod));
    const framework = new Framework(options.plugins ?? defaultPlugins());
    this.podScheduler = new PodScheduler(framework, {
      percentageOfNodesToScore: options.percentageOfNodesToScore ?? 0,
      random: options.random,
    });
    this.cache = new SchedulerCache({
      assumedPodTtlMs: options.assumedPodTtlMs,
      clock: this.clock,
      logger: this.log,
    });
    this.queue = new SchedulingQueue({
      initialBackoffMs: options.podInitialBackoffMs ?? 1_000,
      maxBackoffMs: options.podMaxBackoffMs ?? 10_000,
      maxUnschedulableMs: options.podMaxInUnschedulableMs,
      pluginEvents: framework.pluginEvents(),
      clock: this.clock,
    });
    this.nodeInformer = options.informers.informer("Node");
    this.podInformer = options.informers.informer("Pod");
    this.conditions = new PodConditionWriter(options.client, this.podInformer.lister, this.log);
    this.nodeInformer.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.queue.onClusterEvent("NodeAdd");
      },
      onUpdate: (old, node) => {
        this.cache.updateNode(node);
        if (nodeChanged(old, node)) this.queue.onClusterEvent("NodeUpdate");
      },
      onDelete: (node) => this.cache.removeNode(node),
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (old, pod) => this.onPodUpdate(old, pod),
      onDelete: (pod) => this.onPodDelete(pod),
    });
  }

  /** Whether the scheduling loop runs (this process leads, or leader election is off). */
  get active(): boolean {
    return this.running;
  }

  /** Whether the node and pod informers have listed. */
  synced(): boolean {
    return this.nodeInformer.hasSynced() && this.podInformer.hasSynced();
  }

  /** Starts the queue's and cache's timers (whether or not this process leads). */
  start(signal: AbortSignal): void {
    this.queue.start(signal);
    this.cache.start(signal);
  }

  /** Resolves true once the informers have listed nodes and pods; false if aborted. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    return this.options.informers.waitForCacheSync(signal);
  }

  /**
   * Schedules pods until `signal` aborts (the end of leadership or of the process), then
   * waits for the binds in flight and resolves. Call again to resume.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error("the scheduler is already running");
    this.running = true;
    try {
      if (!(await this.waitForSync(signal))) return;
      this.log.info({ schedulerName: this.schedulerName }, "scheduling");
      while (!signal.aborted) {
        while (this.binds.size >= this.maxInflightBinds && !signal.aborted)
          await Promise.race(this.binds);
        const queued = await this.queue.pop(signal);
        if (queued === undefined) break;
        if (signal.aborted) {
          this.queue.requeueUntried(queued.podInfo.uid);
          break;
        }
        this.scheduleOne(queued);
        // Let informer events and bind results in between decisions.
        await yieldToEventLoop();
      }
    } finally {
      await Promise.all([...this.binds]);
      await this.conditions.flush();
      this.running = false;
    }
  }

  /** Waits for the binds and status writes in flight (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.binds]);
    await this.conditions.flush();
  }

  private responsible(pod: Pod): boolean {
    return (
      (pod.spec?.schedulerName ?? "") === this.schedulerName &&
      pod.metadata?.deletionTimestamp === undefined &&
      !isTerminal(pod)
    );
  }

  private onPodAdd(pod: Pod): void {
    if (bound(pod)) {
      this.cache.addPod(pod);
      this.queue.onClusterEvent("AssignedPodAdd");
    } else if (this.responsible(pod)) this.queue.add(newPodInfo(pod));
  }

  private onPodUpdate(old: Pod, pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    if (bound(pod)) {
      if (!bound(old)) this.queue.delete(uid);
      this.cache.updatePod(pod);
      let event: ClusterEvent | undefined;
      if (isTerminal(pod) && !isTerminal(old)) event = "AssignedPodDelete";
      else if (!bound(old)) event = "AssignedPodAdd";
      else if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels))
        event = "AssignedPodUpdate";
      if (event !== undefined) this.queue.onClusterEvent(event);
      return;
    }
    // Our own bind is in flight: the informer has not caught up with it yet.
    if (this.cache.isAssumed(uid)) return;
    if (!this.responsible(pod)) return this.queue.delete(uid);
    this.queue.update(newPodInfo(pod), specOrLabelsChanged(old, pod));
  }

  private onPodDelete(pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    if (bound(pod)) {
      this.cache.removePod(pod);
      this.queue.onClusterEvent("AssignedPodDelete");
      return;
    }
    this.queue.delete(uid);
    if (this.cache.forgetPod(uid)) this.queue.onClusterEvent("AssignedPodDelete");
  }

  /** One decision, synchronously on the cache; the bind continues in the background. */
  private scheduleOne(queued: QueuedPod): void {
    const pod = queued.podInfo;
    if (this.cache.hasPod(pod.uid)) {
      // Bound (by us or someone else) or assumed already: nothing to decide.
      this.queue.done(pod.uid);
      return;
    }
    this.metrics.attempts++;
    const started = this.clock.now();
    let outcome: ScheduleOutcome;
    try {
      outcome = this.podScheduler.schedule(pod, this.cache);
    } catch (err) {
      this.metrics.errors++;
      const message = err instanceof PluginFailure ? err.message : String(err);
      this.log.error({ err, pod: pod.key }, "scheduling attempt failed");
      this.reportFailure(pod, "SchedulerError", message);
      this.queue.requeueAfterError(pod.uid);
      return;
    }
    const decided = this.clock.now();
    if (outcome.kind === "unschedulable") {
      this.metrics.unschedulable++;
      this.log.debug(
        { pod: pod.key, attempts: queued.attempts, message: outcome.message },
        "pod is unschedulable",
      );
      this.reportFailure(pod, "Unschedulable", outcome.message);
      this.queue.requeueUnschedulable(pod.uid, outcome.plugins);
      return;
    }
    const assumed = this.cache.assumePod(pod, outcome.nodeName);
    const timing = { queueMs: started - queued.firstQueuedAt, algorithmMs: decided - started };
    const bind: Promise<void> = this.bind(queued, assumed, timing).finally(() =>
      this.binds.delete(bind),
    );
    this.binds.add(bind);
  }

  /** Binds in the background; never rejects (failures requeue or drop the pod). */
  private async bind(
    queued: QueuedPod,
    pod: PodInfo,
    timing: { queueMs: number; algorithmMs: number },
  ): Promise<void> {
    const started = this.clock.now();
    try {
      await withSpan(
        "scheduler bind",
        {
          "k8s.pod.name": pod.name,
          "k8s.namespace.name": pod.namespace,
          "k8s.node.name": pod.nodeName,
        },
        () => this.bindPod(pod),
      );
    } catch (err) {
      this.onBindFailure(pod, err);
      return;
    }
    this.cache.finishBinding(pod.uid);
    this.queue.done(pod.uid);
    this.metrics.scheduled++;
    this.log.debug({ pod: pod.key, node: pod.nodeName }, "bound");
    this.options.recorder.event(
      referenceTo("Pod", pod.pod),
      "Normal",
      "Scheduled",
      `Successfully assigned ${pod.key} to ${pod.nodeName}`,
    );
    try {
      this.options.onScheduled?.({
        pod: pod.key,
        node: pod.nodeName,
        attempts: queued.attempts,
        ...timing,
        bindMs: this.clock.now() - started,
      });
    } catch (err) {
      this.log.error({ err }, "onScheduled callback failed");
    }
  }

  /** Pods.Bind with the uid precondition: never binds a pod recreated under the same name. */
  private async defaultBind(pod: PodInfo): Promise<void> {
    await this.pods.bind(pod.name, pod.nodeName, { namespace: pod.namespace, uid: pod.uid });
  }

  private onBindFailure(pod: PodInfo, err: unknown): void {
    if (this.cache.forgetPod(pod.uid)) this.queue.onClusterEvent("AssignedPodDelete");
    if (
      err instanceof ApiStatusError &&
      (err.code === status.FAILED_PRECONDITION ||
        err.code === status.NOT_FOUND ||
        err.code === status.ABORTED)
    ) {
      // Bound by someone else, being deleted, deleted, or replaced by a pod of the same
      // name (uid precondition): this pod needs nothing more from us.
      this.metrics.bindConflicts++;
      this.log.info({ pod: pod.key, node: pod.nodeName, reason: err.message }, "bind not needed");
      this.queue.done(pod.uid);
      return;
    }
    this.metrics.bindFailures++;
    this.log.warn({ err, pod: pod.key, node: pod.nodeName }, "bind failed; retrying");
    this.options.recorder.event(
      referenceTo("Pod", pod.pod),
      "Warning",
      "FailedScheduling",
      `Binding rejected: ${err instanceof Error ? err.message : String(err)}`,
    );
    this.queue.requeueAfterError(pod.uid);
  }

  private reportFailure(pod: PodInfo, reason: string, message: string): void {
    this.options.recorder.event(
      referenceTo("Pod", pod.pod),
      "Warning",
      "FailedScheduling",
      message,
    );
    this.conditions.set(pod, reason, message);
  }
}
