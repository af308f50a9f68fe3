// A ReplicaSet's status from the pods it controls (Kubernetes' calculateStatus): how many
// there are, carry every template label, are Ready, and have been Ready for
// minReadySeconds (available); the generation it reflects; and the ReplicaFailure
// condition while creating or deleting pods fails. The Deployment controller reads these
// numbers, with observedGeneration telling it they describe the current spec.
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type {
  ReplicaSet,
  ReplicaSetCondition,
  ReplicaSetStatus,
} from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { isPodReady, podReadyTime } from "./active-pods.js";

export const REPLICA_FAILURE = "ReplicaFailure";

/** Ready, and Ready for at least `minReadySeconds` at wall time `nowMs` (IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadyTime(pod);
  return since !== undefined && since.getTime() + minReadySeconds * 1000 < nowMs;
}

/**
 * Milliseconds until the first ready but not yet available pod becomes available, or
 * undefined when none will (so the controller knows when to look again).
 */
export function msUntilNextAvailable(
  pods: readonly Pod[],
  minReadySeconds: number,
  nowMs: number,
): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, nowMs)) continue;
    const since = podReadyTime(pod);
    if (since === undefined) continue;
    const ms = Math.max(0, since.getTime() + minReadySeconds * 1000 - nowMs);
    if (next === undefined || ms < next) next = ms;
  }
  return next;
}

function labelsMatch(
  want: Readonly<Record<string, string>>,
  have: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}

/**
 * The status `rs` should have, given the active pods it controls, the error of this sync's
 * creates or deletes (if any) and the wall time. observedGeneration is the spec's
 * generation.
 */
export function calculateStatus(
  rs: ReplicaSet,
  pods: readonly Pod[],
  manageError: Error | undefined,
  nowMs: number,
): ReplicaSetStatus {
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (labelsMatch(templateLabels, pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
    }
  }
  let conditions = rs.status?.conditions ?? [];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageError !== undefined && failure === undefined) {
    // As Kubernetes: set once with the first error; it is removed by a sync that succeeds.
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
    conditions = [
      ...conditions,
      {
        type: REPLICA_FAILURE,
        status: "True",
        lastTransitionTime: new Date(nowMs),
        reason,
        message: manageError.message,
      },
    ];
  } else if (manageError === undefined && failure !== undefined) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? 0,
    conditions,
  };
}

function sameCondition(a: ReplicaSetCondition, b: ReplicaSetCondition): boolean {
  return (
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime?.getTime() === b.lastTransitionTime?.getTime()
  );
}

/** Whether `next` differs from what `rs` has (only then is status written). */
export function statusChanged(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const s = rs.status;
  if (s === undefined) return true;
  return (
    s.replicas !== next.replicas ||
    s.fullyLabeledReplicas !== next.fullyLabeledReplicas ||
    s.readyReplicas !== next.readyReplicas ||
    s.availableReplicas !== next.availableReplicas ||
    s.observedGeneration !== next.observedGeneration ||
    s.conditions.length !== next.conditions.length ||
    s.conditions.some((c, i) => {
      const n = next.conditions[i];
      return n === undefined || !sameCondition(c, n);
    })
  );
}
