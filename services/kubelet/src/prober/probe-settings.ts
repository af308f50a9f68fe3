// A probe's timing and thresholds with Kubernetes' defaults filled in (the apiserver
// defaults them too; pods it did not default, e.g. in unit tests, behave the same).
import type { Probe } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";

export type ProbeKind = "liveness" | "readiness" | "startup";

/** As events spell it: "Liveness probe failed: ...". */
export const PROBE_KIND_TITLE: Readonly<Record<ProbeKind, string>> = {
  liveness: "Liveness",
  readiness: "Readiness",
  startup: "Startup",
};

export interface ProbeSettings {
  readonly initialDelayMs: number;
  readonly timeoutSeconds: number;
  readonly periodMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
  /** Overrides the pod's grace period when this probe's failure kills the container. */
  readonly terminationGracePeriodSeconds: number | undefined;
}

const positive = (value: number | undefined, fallback: number): number =>
  value !== undefined && value >= 1 ? value : fallback;

export function probeSettings(probe: Probe, kind: ProbeKind): ProbeSettings {
  return {
    initialDelayMs: Math.max(0, probe.initialDelaySeconds ?? 0) * 1000,
    timeoutSeconds: positive(probe.timeoutSeconds, 1),
    periodMs: positive(probe.periodSeconds, 10) * 1000,
    // Validation allows only 1 for liveness and startup; a result must not wait for more.
    successThreshold: kind === "readiness" ? positive(probe.successThreshold, 1) : 1,
    failureThreshold: positive(probe.failureThreshold, 3),
    terminationGracePeriodSeconds: probe.terminationGracePeriodSeconds,
  };
}
