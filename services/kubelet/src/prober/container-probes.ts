// The probes of one container run (one container id) and what they concluded, as
// Kubernetes' prober manager keeps them: readiness starts false, liveness "success",
// startup "unknown". While a startup probe has not succeeded the other probes do not run;
// once it succeeds it stops and they begin. A liveness or startup failure is reported once
// and puts the run's probes on hold: the container is about to be replaced, and a new
// container id brings fresh probes. A pod being deleted stops liveness and startup probes
// (its containers are stopping anyway); readiness goes on, so endpoints can drop the pod.
import type { Clock, Logger } from "@k8ts/sdk";
import type { Container, Probe } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ExecSyncRuntime } from "./exec-probe.js";
import { ProbeError, type ProbeOutcome } from "./probe-outcome.js";
import {
  PROBE_KIND_TITLE,
  probeSettings,
  type ProbeKind,
  type ProbeSettings,
} from "./probe-settings.js";
import { ProbeWorker } from "./probe-worker.js";
import { runProbe } from "./run-probe.js";

/** A running container to probe. */
export interface ProbeTarget {
  readonly pod: Pod;
  readonly containerName: string;
  /** The runtime's id of this run; a new id (a restart) resets the probes. */
  readonly containerId: string;
  /** The pod's IP (the node's for a hostNetwork pod): where httpGet, tcpSocket and grpc go. */
  readonly podIP: string;
  /** When the container started, Unix milliseconds (the runtime's startedAt / 1e6). */
  readonly startedAtMs: number;
}

/** Why a container failed: for the kill that follows. */
export interface ProbeFailure {
  readonly kind: "liveness" | "startup";
  /** The failing attempt's output, as the Unhealthy event showed it. */
  readonly output: string;
  /** The probe's terminationGracePeriodSeconds, else the pod's (default 30). */
  readonly gracePeriodSeconds: number;
}

export type ProbeEventReason = "Unhealthy" | "ProbeWarning";

/** What the manager gives each container's probes. */
export interface ProbeHooks {
  readonly runtime: ExecSyncRuntime;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Unix milliseconds now. */
  readonly wallClock: () => number;
  /** Extra delay of a first attempt (spreads the probes of a kubelet that just started). */
  firstProbeJitter(periodMs: number): number;
  onLivenessFailure(
    podUid: string,
    containerName: string,
    containerId: string,
    message: string,
    failure: ProbeFailure,
  ): void;
  onResultChange(podUid: string): void;
  recordEvent(pod: Pod, containerName: string, reason: ProbeEventReason, message: string): void;
}

const DEFAULT_GRACE_PERIOD_SECONDS = 30;

interface KindProbe {
  readonly probe: Probe;
  readonly settings: ProbeSettings;
  readonly worker: ProbeWorker;
}

export class ContainerProbes {
  readonly podUid: string;
  readonly containerName: string;
  readonly containerId: string;
  private pod: Pod;
  private podIP: string;
  /** The container's start on the monotonic clock. */
  private readonly startedAt: number;
  private readonly probes = new Map<ProbeKind, KindProbe>();
  private startupSucceeded = false;
  private readinessSucceeded = false;
  private failed = false;
  private deleting = false;

  constructor(
    target: ProbeTarget,
    private readonly container: Container,
    private readonly hooks: ProbeHooks,
  ) {
    this.podUid = target.pod.metadata?.uid ?? "";
    this.containerName = target.containerName;
    this.containerId = target.containerId;
    this.pod = target.pod;
    this.podIP = target.podIP;
    const runningFor = Math.max(0, hooks.wallClock() - target.startedAtMs);
    this.startedAt = hooks.clock.now() - runningFor;
    const specs: Array<[ProbeKind, Probe | undefined]> = [
      ["startup", container.startupProbe],
      ["liveness", container.livenessProbe],
      ["readiness", container.readinessProbe],
    ];
    for (const [kind, probe] of specs) {
      if (probe === undefined) continue;
      const settings = probeSettings(probe, kind);
      const worker = new ProbeWorker({
        settings,
        clock: hooks.clock,
        attempt: (signal) => this.attempt(kind, signal),
        onResult: (success, outcome) => this.onResult(kind, success, outcome),
        onError: (err) =>
          hooks.logger.error(
            { err, pod: this.podUid, container: this.containerName, probe: kind },
            "probe worker error",
          ),
      });
      this.probes.set(kind, { probe, settings, worker });
    }
  }

  /** Whether the container has any probe at all (a container without gets no entry). */
  static hasProbes(container: Container): boolean {
    return (
      container.livenessProbe !== undefined ||
      container.readinessProbe !== undefined ||
      container.startupProbe !== undefined
    );
  }

  hasKind(kind: ProbeKind): boolean {
    return this.probes.has(kind);
  }

  /** ContainerStatus.started: the startup probe succeeded, or there is none. */
  get started(): boolean {
    return !this.probes.has("startup") || this.startupSucceeded;
  }

  /** ContainerStatus.ready: started, and the readiness probe succeeded or there is none. */
  get ready(): boolean {
    return this.started && (!this.probes.has("readiness") || this.readinessSucceeded);
  }

  /** A liveness or startup probe failed: the run must be replaced. */
  get livenessFailed(): boolean {
    return this.failed;
  }

  /** Schedules the first attempts. */
  start(): void {
    const now = this.hooks.clock.now();
    if (this.probes.has("startup")) this.begin("startup", now, true);
    else {
      this.begin("liveness", now, true);
      this.begin("readiness", now, true);
    }
  }

  /** Takes a newer view of the same run: the pod (deletion) and its IP. */
  refresh(target: ProbeTarget): void {
    this.pod = target.pod;
    this.podIP = target.podIP;
    if (!this.deleting && target.pod.metadata?.deletionTimestamp !== undefined) {
      this.deleting = true;
      this.probes.get("startup")?.worker.stop();
      this.probes.get("liveness")?.worker.stop();
    }
  }

  stop(): void {
    for (const { worker } of this.probes.values()) worker.stop();
  }

  private begin(kind: ProbeKind, now: number, first: boolean): void {
    const probe = this.probes.get(kind);
    if (probe === undefined) return;
    const jitter = first ? this.hooks.firstProbeJitter(probe.settings.periodMs) : 0;
    probe.worker.probeAt(Math.max(now + jitter, this.startedAt + probe.settings.initialDelayMs));
  }

  private async attempt(kind: ProbeKind, signal: AbortSignal): Promise<ProbeOutcome | undefined> {
    const kindProbe = this.probes.get(kind);
    if (kindProbe === undefined) return undefined;
    const { probe, settings } = kindProbe;
    const title = PROBE_KIND_TITLE[kind];
    let outcome: ProbeOutcome;
    try {
      outcome = await runProbe(probe, {
        container: this.container,
        containerId: this.containerId,
        podIP: this.podIP,
        timeoutSeconds: settings.timeoutSeconds,
        runtime: this.hooks.runtime,
        signal,
      });
    } catch (err: unknown) {
      if (!(err instanceof ProbeError)) throw err;
      if (!signal.aborted) {
        this.hooks.logger.debug(
          { err, pod: this.podUid, container: this.containerName, probe: kind },
          "probe could not run",
        );
        this.event(
          "Unhealthy",
          `${title} probe errored and resulted in unknown state: ${err.message}`,
        );
      }
      return undefined;
    }
    if (signal.aborted) return undefined;
    if (outcome.result === "failure") {
      this.hooks.logger.debug(
        { pod: this.podUid, container: this.containerName, probe: kind, output: outcome.output },
        "probe failed",
      );
      this.event("Unhealthy", `${title} probe failed: ${outcome.output}`);
    } else if (outcome.result === "warning") {
      this.event("ProbeWarning", `${title} probe warning: ${outcome.output}`);
    }
    return outcome;
  }

  private event(reason: ProbeEventReason, message: string): void {
    this.hooks.recordEvent(this.pod, this.containerName, reason, message);
  }

  /** A worker's thresholded result; returns whether that worker keeps probing. */
  private onResult(kind: ProbeKind, success: boolean, outcome: ProbeOutcome): boolean {
    switch (kind) {
      case "readiness":
        if (this.readinessSucceeded !== success) {
          this.readinessSucceeded = success;
          this.hooks.onResultChange(this.podUid);
        }
        return true;
      case "startup":
        if (!success) {
          this.fail("startup", outcome);
          return false;
        }
        this.startupSucceeded = true;
        // Readiness at once, as Kubernetes triggers it when a container has started.
        if (!this.deleting) this.begin("liveness", this.hooks.clock.now(), false);
        this.begin("readiness", this.hooks.clock.now(), false);
        this.hooks.onResultChange(this.podUid);
        return false;
      case "liveness":
        if (success) return true;
        this.fail("liveness", outcome);
        return false;
    }
  }

  private fail(kind: "liveness" | "startup", outcome: ProbeOutcome): void {
    this.failed = true;
    const grace =
      this.probes.get(kind)?.settings.terminationGracePeriodSeconds ??
      this.pod.spec?.terminationGracePeriodSeconds ??
      DEFAULT_GRACE_PERIOD_SECONDS;
    this.hooks.logger.info(
      { pod: this.podUid, container: this.containerName, probe: kind, output: outcome.output },
      `container failed its ${kind} probe`,
    );
    this.hooks.onLivenessFailure(
      this.podUid,
      this.containerName,
      this.containerId,
      `Container ${this.containerName} failed ${kind} probe, will be restarted`,
      { kind, output: outcome.output, gracePeriodSeconds: grace },
    );
  }
}
