// Which pods count as replicas, and which go first on scale-down: Kubernetes'
// FilterActivePods and ActivePods order. The order puts the least valuable pod first
// (not yet scheduled, not yet running, not ready, ready for the shortest time, crashing
// the most, newest), so scaling down costs the least work already done.
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

/** A pod that counts as a replica: not terminating, not Succeeded or Failed. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase ?? "";
  return (
    pod.metadata?.deletionTimestamp === undefined && phase !== "Succeeded" && phase !== "Failed"
  );
}

/** The pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** When a ready pod became Ready (its Ready condition's last transition), if known. */
export function podReadyTime(pod: Pod): Date | undefined {
  if (!isPodReady(pod)) return undefined;
  return pod.status?.conditions.find((c) => c.type === "Ready")?.lastTransitionTime;
}

/** The highest restart count of the pod's containers. */
export function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount);
  return max;
}

// Phases Kubernetes ranks; any other phase ranks as Pending (a Go map's zero value).
const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(pod: Pod): number {
  return PHASE_ORDINAL[pod.status?.phase ?? ""] ?? 0;
}

/** Kubernetes' afterOrZero: a missing time sorts first, otherwise the later time does. */
function afterOrZero(a: Date | undefined, b: Date | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a.getTime() > b.getTime();
}

function sameTime(a: Date | undefined, b: Date | undefined): boolean {
  return a?.getTime() === b?.getTime();
}

/**
 * Negative when `a` is less valuable than `b` (deleted first on scale-down):
 * 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
 * 4. ready for less time < more time; 5. more restarts < fewer; 6. newer < older.
 */
export function compareActivePods(a: Pod, b: Pod): number {
  const nodeA = a.spec?.nodeName ?? "";
  const nodeB = b.spec?.nodeName ?? "";
  if (nodeA !== nodeB && (nodeA === "" || nodeB === "")) return nodeA === "" ? -1 : 1;
  const phaseA = phaseOrdinal(a);
  const phaseB = phaseOrdinal(b);
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  if (readyA && readyB) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (!sameTime(ta, tb)) return afterOrZero(ta, tb) ? -1 : 1;
  }
  const restartsA = maxContainerRestarts(a);
  const restartsB = maxContainerRestarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const ca = a.metadata?.creationTimestamp;
  const cb = b.metadata?.creationTimestamp;
  if (!sameTime(ca, cb)) return afterOrZero(ca, cb) ? -1 : 1;
  return 0;
}

/** The `count` pods to delete first (a sorted copy; `pods` is not changed). */
export function podsToDelete(pods: readonly Pod[], count: number): Pod[] {
  if (count <= 0) return [];
  return [...pods].sort(compareActivePods).slice(0, count);
}
