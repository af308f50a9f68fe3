// A Deployment's status computed from its ReplicaSets (Kubernetes' calculateStatus and
// syncRolloutStatus): the replica counts, the Available condition, the Progressing
// condition of a rollout in flight, and a ReplicaSet's ReplicaFailure. Written only when
// it differs from what is stored.
import {
  DeploymentStatus,
  type Deployment,
  type DeploymentCondition,
} from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import {
  AVAILABLE,
  MINIMUM_REPLICAS_AVAILABLE,
  MINIMUM_REPLICAS_UNAVAILABLE,
  NEW_REPLICA_SET_AVAILABLE,
  PROGRESSING,
  PROGRESS_DEADLINE_EXCEEDED,
  REPLICA_FAILURE,
  REPLICA_SET_UPDATED,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  fromReplicaSetCondition,
  getCondition,
  hasProgressDeadline,
  newCondition,
  removeCondition,
  setCondition,
} from "./deployment-conditions.js";
import { canonicalEncoding } from "./pod-template-hash.js";
import {
  actualReplicaCount,
  availableReplicaCount,
  present,
  readyReplicaCount,
  specReplicaCount,
} from "./replica-set-groups.js";
import { desiredReplicas, maxUnavailable } from "./rollout-limits.js";

/** Counts, observedGeneration, collisionCount and the Available condition. */
export function calculateStatus(
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now: Date,
): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const status = DeploymentStatus.fromPartial({
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    // More available than desired (while scaling down) is not negative unavailability.
    unavailableReplicas: Math.max(0, specReplicaCount(allRSs) - available),
    conditions: d.status?.conditions ?? [],
    collisionCount: d.status?.collisionCount,
  });
  if (available >= desiredReplicas(d) - maxUnavailable(d))
    setCondition(
      status,
      newCondition(
        AVAILABLE,
        "True",
        MINIMUM_REPLICAS_AVAILABLE,
        "Deployment has minimum availability.",
        now,
      ),
    );
  else
    setCondition(
      status,
      newCondition(
        AVAILABLE,
        "False",
        MINIMUM_REPLICAS_UNAVAILABLE,
        "Deployment does not have minimum availability.",
        now,
      ),
    );
  return status;
}

/** ReplicaFailure of the new ReplicaSet, else of any other (Kubernetes: the first). */
export function replicaFailure(
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): DeploymentCondition | undefined {
  const failureOf = (rs: ReplicaSet | undefined) =>
    rs?.status?.conditions.find((c) => c.type === REPLICA_FAILURE);
  const found =
    failureOf(newRS) ??
    present(allRSs)
      .map(failureOf)
      .find((c) => c !== undefined);
  return found === undefined ? undefined : fromReplicaSetCondition(found);
}

/**
 * The status after a rollout step: calculateStatus, then the Progressing condition
 * (NewReplicaSetAvailable when complete, ReplicaSetUpdated on progress, which moves its
 * lastUpdateTime, ProgressDeadlineExceeded when the deadline passed without progress),
 * then ReplicaFailure.
 */
export function rolloutStatus(
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now: Date,
): DeploymentStatus {
  const next = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(next, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  // Only one ReplicaSet and its rollout reported complete: nothing to estimate.
  const complete =
    next.replicas === next.updatedReplicas && current?.reason === NEW_REPLICA_SET_AVAILABLE;
  if (hasProgressDeadline(d) && !complete) {
    const rsName = newRS?.metadata?.name;
    const subject =
      rsName === undefined ? `Deployment "${d.metadata?.name ?? ""}"` : `ReplicaSet "${rsName}"`;
    if (deploymentComplete(d, next)) {
      setCondition(
        next,
        newCondition(
          PROGRESSING,
          "True",
          NEW_REPLICA_SET_AVAILABLE,
          `${subject} has successfully progressed.`,
          now,
        ),
      );
    } else if (deploymentProgressing(d, next)) {
      let c = newCondition(
        PROGRESSING,
        "True",
        REPLICA_SET_UPDATED,
        `${subject} is progressing.`,
        now,
      );
      // Progress moves lastUpdateTime even with the same reason (the deadline clock).
      if (current !== undefined) {
        if (current.status === "True") c = { ...c, lastTransitionTime: current.lastTransitionTime };
        removeCondition(next, PROGRESSING);
      }
      setCondition(next, c);
    } else if (deploymentTimedOut(d, next, now)) {
      setCondition(
        next,
        newCondition(
          PROGRESSING,
          "False",
          PROGRESS_DEADLINE_EXCEEDED,
          `${subject} has timed out progressing.`,
          now,
        ),
      );
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  if (failure !== undefined) setCondition(next, failure);
  else removeCondition(next, REPLICA_FAILURE);
  return next;
}

/** Whether two statuses are the same as stored (times to the millisecond). */
export function sameStatus(
  a: DeploymentStatus | undefined,
  b: DeploymentStatus | undefined,
): boolean {
  return (
    canonicalEncoding(DeploymentStatus.fromPartial(a ?? {})) ===
    canonicalEncoding(DeploymentStatus.fromPartial(b ?? {}))
  );
}
