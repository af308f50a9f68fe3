// What the scheduler's /statusz reports (see StatusServer in the SDK).
import type { ComponentStatus } from "@k8ts/sdk";
import type { Phase, PhaseSummary } from "./phase-latencies.js";

export interface SchedulerStatus extends ComponentStatus {
  /** Nodes the cache knows (candidates for scheduling), sorted. */
  readonly nodes: readonly string[];
  readonly queue: { active: number; backoff: number; unschedulable: number; inFlight: number };
  readonly metrics: Readonly<Record<string, number>>;
  /** Per phase (queue wait, filter/score, bind), over the last pods scheduled. */
  readonly latency: Readonly<Record<Phase, PhaseSummary>>;
}
