// The kubelet's prober (Kubernetes' prober.Manager): probes for every running container
// that has any, keyed by pod uid and container name, one run (container id) at a time.
// The kubelet core tells it which containers run (addContainer on every sync, removal when
// they stop or the pod goes) and reads back readiness, started and liveness verdicts when
// it computes status and actions; callbacks say when those changed. A container without
// probes costs nothing: no entry, no timer.
import { silentLogger, systemClock, type Clock, type Logger } from "@k8ts/sdk";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import {
  ContainerProbes,
  type ProbeEventReason,
  type ProbeFailure,
  type ProbeHooks,
  type ProbeTarget,
} from "./container-probes.js";
import type { ExecSyncRuntime } from "./exec-probe.js";

export interface ProbeManagerOptions {
  /** Where exec probes run (RuntimeClient.execSync). */
  readonly runtime: ExecSyncRuntime;
  /**
   * A liveness or startup probe reached its failure threshold: kill the container (with
   * failure.gracePeriodSeconds) and let the restart policy decide. `message` is
   * Kubernetes' Killing event text. Called once per container run.
   */
  onLivenessFailure(
    podUid: string,
    containerName: string,
    containerId: string,
    message: string,
    failure: ProbeFailure,
  ): void;
  /** ready() or started() of a container of this pod changed: re-sync its status. */
  onResultChange(podUid: string): void;
  /**
   * Record a Warning Event on the pod about one container (fieldPath
   * "spec.containers{name}"): reason "Unhealthy" for every failed or errored attempt,
   * "ProbeWarning" for a success with a warning.
   */
  recordEvent(pod: Pod, containerName: string, reason: ProbeEventReason, message: string): void;
  readonly logger?: Logger;
  /** Monotonic clock for scheduling (tests pass a FakeClock). */
  readonly clock?: Clock;
  /** Unix milliseconds now, to place ProbeTarget.startedAtMs on `clock` (default Date.now). */
  readonly wallClock?: () => number;
  /**
   * Containers added within one probe period of the manager's start (a restarted kubelet
   * adopting what runs) wait a random part of min(period, this) before their first attempt,
   * so they are not all probed at once. Default 1,000 ms; Kubernetes spreads over the whole
   * period.
   */
  readonly startJitterMs?: number;
}

const DEFAULT_START_JITTER_MS = 1000;

export class ProbeManager {
  private readonly pods = new Map<string, Map<string, ContainerProbes>>();
  private readonly byContainerId = new Map<string, ContainerProbes>();
  private readonly hooks: ProbeHooks;
  private readonly createdAt: number;
  private closed = false;

  constructor(options: ProbeManagerOptions) {
    const clock = options.clock ?? systemClock;
    const jitterMs = options.startJitterMs ?? DEFAULT_START_JITTER_MS;
    this.createdAt = clock.now();
    this.hooks = {
      runtime: options.runtime,
      clock,
      logger: options.logger ?? silentLogger,
      wallClock: options.wallClock ?? Date.now,
      firstProbeJitter: (periodMs) =>
        clock.now() - this.createdAt < periodMs ? Math.random() * Math.min(periodMs, jitterMs) : 0,
      onLivenessFailure: (...args) => options.onLivenessFailure(...args),
      onResultChange: (podUid) => options.onResultChange(podUid),
      recordEvent: (...args) => options.recordEvent(...args),
    };
  }

  /**
   * Starts the probes of a running container. The same container id again only refreshes
   * the pod (a deletion stops liveness and startup probes) and IP; a new id (a restart)
   * replaces the previous run's probes, whose results are forgotten. Call it for every
   * running container before computing the pod's status.
   */
  addContainer(target: ProbeTarget): void {
    if (this.closed) return;
    const podUid = target.pod.metadata?.uid ?? "";
    const existing = this.pods.get(podUid)?.get(target.containerName);
    if (existing?.containerId === target.containerId) {
      existing.refresh(target);
      return;
    }
    if (existing !== undefined) this.forget(existing);
    const container = target.pod.spec?.containers.find((c) => c.name === target.containerName);
    if (container === undefined || !ContainerProbes.hasProbes(container)) return;
    const probes = new ContainerProbes(target, container, this.hooks);
    let containers = this.pods.get(podUid);
    if (containers === undefined) {
      containers = new Map();
      this.pods.set(podUid, containers);
    }
    containers.set(target.containerName, probes);
    this.byContainerId.set(target.containerId, probes);
    probes.start();
  }

  /** Stops the probes of a container that no longer runs. */
  removeContainer(podUid: string, containerName: string): void {
    const probes = this.pods.get(podUid)?.get(containerName);
    if (probes !== undefined) this.forget(probes);
  }

  /** Stops the probes of every container of the pod. */
  removePod(podUid: string): void {
    for (const probes of this.pods.get(podUid)?.values() ?? []) this.forget(probes);
  }

  /**
   * ContainerStatus.ready of a running container: false until its readiness probe has
   * succeeded (true at once without one), and never before it has started. Given a
   * `containerId` the manager has not been given yet (a newer run), it answers as for a
   * fresh run; without one, for the run it probes.
   */
  ready(podUid: string, containerName: string, containerId?: string): boolean {
    const probes = this.pods.get(podUid)?.get(containerName);
    if (probes === undefined) return true;
    if (containerId === undefined || probes.containerId === containerId) return probes.ready;
    return !probes.hasKind("readiness") && !probes.hasKind("startup");
  }

  /** ContainerStatus.started of a running container: its startup probe succeeded, or it has none. */
  started(podUid: string, containerName: string, containerId?: string): boolean {
    const probes = this.pods.get(podUid)?.get(containerName);
    if (probes === undefined) return true;
    if (containerId === undefined || probes.containerId === containerId) return probes.started;
    return !probes.hasKind("startup");
  }

  /** Whether this run failed its liveness or startup probe and must be restarted. */
  probeFailed(containerId: string): boolean {
    return this.byContainerId.get(containerId)?.livenessFailed ?? false;
  }

  /** Containers with probes (for metrics and tests). */
  get size(): number {
    return this.byContainerId.size;
  }

  /** Stops every probe; later addContainer calls do nothing. For kubelet shutdown. */
  stop(): void {
    this.closed = true;
    for (const probes of this.byContainerId.values()) probes.stop();
    this.byContainerId.clear();
    this.pods.clear();
  }

  private forget(probes: ContainerProbes): void {
    probes.stop();
    this.byContainerId.delete(probes.containerId);
    const containers = this.pods.get(probes.podUid);
    if (containers?.get(probes.containerName) === probes) containers.delete(probes.containerName);
    if (containers?.size === 0) this.pods.delete(probes.podUid);
  }
}
