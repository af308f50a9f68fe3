// What the scheduler's /statusz reports (see StatusServer in the SDK).
import type { ComponentStatus } from "@k8ts/sdk";

export interface SchedulerStatus extends ComponentStatus {
  /** Nodes the cache knows (candidates for scheduling), sorted. */
  readonly nodes: readonly string[];
  readonly queue: { active: number; backoff: number; unschedulable: number; inFlight: number };
  readonly metrics: Readonly<Record<string, number>>;
}
