// A Deployment's conditions as Kubernetes reports them: Progressing (with the reasons of a
// rollout's life, False with ProgressDeadlineExceeded once no progress was made for
// spec.progressDeadlineSeconds; Unknown while paused or just resumed), Available (at least
// replicas - maxUnavailable available) and ReplicaFailure (copied from a ReplicaSet).
import {
  DeploymentCondition,
  DeploymentStatus,
  type Deployment,
} from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { ReplicaSetCondition } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { desiredReplicas } from "./rollout-limits.js";

export const PROGRESSING = "Progressing";
export const AVAILABLE = "Available";
export const REPLICA_FAILURE = "ReplicaFailure";

export const NEW_REPLICA_SET_CREATED = "NewReplicaSetCreated";
export const FOUND_NEW_REPLICA_SET = "FoundNewReplicaSet";
export const REPLICA_SET_UPDATED = "ReplicaSetUpdated";
export const NEW_REPLICA_SET_AVAILABLE = "NewReplicaSetAvailable";
export const PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";
export const REPLICA_SET_CREATE_ERROR = "ReplicaSetCreateError";
export const DEPLOYMENT_PAUSED = "DeploymentPaused";
export const DEPLOYMENT_RESUMED = "DeploymentResumed";
export const MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable";
export const MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable";

/** progressDeadlineSeconds of "never" (Kubernetes: MaxInt32). */
const NO_DEADLINE = 2_147_483_647;

export function newCondition(
  type: string,
  status: "True" | "False" | "Unknown",
  reason: string,
  message: string,
  now: Date,
): DeploymentCondition {
  return DeploymentCondition.fromPartial({
    type,
    status,
    reason,
    message,
    lastUpdateTime: now,
    lastTransitionTime: now,
  });
}

export function getCondition(
  status: DeploymentStatus | undefined,
  type: string,
): DeploymentCondition | undefined {
  return status?.conditions.find((c) => c.type === type);
}

/**
 * Sets `condition` in `status` (in place), as Kubernetes' SetDeploymentCondition: the same
 * status and reason keep the existing condition untouched; the same status keeps its
 * lastTransitionTime.
 */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current?.status === condition.status && current.reason === condition.reason) return;
  const next =
    current?.status === condition.status
      ? { ...condition, lastTransitionTime: current.lastTransitionTime }
      : condition;
  status.conditions = [...status.conditions.filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

/** A ReplicaSet's condition as a Deployment condition (lastUpdateTime = transition). */
export function fromReplicaSetCondition(c: ReplicaSetCondition): DeploymentCondition {
  return DeploymentCondition.fromPartial({
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    lastUpdateTime: c.lastTransitionTime,
    lastTransitionTime: c.lastTransitionTime,
  });
}

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== NO_DEADLINE;
}

/** Every replica updated and available, and the latest spec observed. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const replicas = desiredReplicas(d);
  return (
    status.updatedReplicas === replicas &&
    status.replicas === replicas &&
    status.availableReplicas === replicas &&
    status.observedGeneration >= (d.metadata?.generation ?? 0)
  );
}

/** Whether `next` shows progress over the Deployment's current status. */
export function deploymentProgressing(d: Deployment, next: DeploymentStatus): boolean {
  const old = d.status;
  const oldOld = (old?.replicas ?? 0) - (old?.updatedReplicas ?? 0);
  const newOld = next.replicas - next.updatedReplicas;
  return (
    next.updatedReplicas > (old?.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    next.readyReplicas > (old?.readyReplicas ?? 0) ||
    next.availableReplicas > (old?.availableReplicas ?? 0)
  );
}

/** Whether the rollout made no progress for progressDeadlineSeconds (as of `now`). */
export function deploymentTimedOut(d: Deployment, next: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(next, PROGRESSING);
  if (c === undefined) return false;
  // A completed rollout is not judged; a timed-out one stays timed out.
  if (c.reason === NEW_REPLICA_SET_AVAILABLE) return false;
  if (c.reason === PROGRESS_DEADLINE_EXCEEDED) return true;
  const from = c.lastUpdateTime?.getTime() ?? 0;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now.getTime();
}

/**
 * The status with the Progressing condition marking a pause (Unknown, DeploymentPaused) or
 * a resume (Unknown, DeploymentResumed, which restarts the deadline clock), or undefined
 * when nothing changes. A reported timeout is never overwritten.
 */
export function pausedConditionStatus(d: Deployment, now: Date): DeploymentStatus | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const current = DeploymentStatus.fromPartial(d.status ?? {});
  const c = getCondition(current, PROGRESSING);
  if (c?.reason === PROGRESS_DEADLINE_EXCEEDED) return undefined;
  const pausedShown = c?.reason === DEPLOYMENT_PAUSED;
  const paused = d.spec?.paused === true;
  if (paused === pausedShown) return undefined;
  setCondition(
    current,
    paused
      ? newCondition(PROGRESSING, "Unknown", DEPLOYMENT_PAUSED, "Deployment is paused", now)
      : newCondition(PROGRESSING, "Unknown", DEPLOYMENT_RESUMED, "Deployment is resumed", now),
  );
  return current;
}

/**
 * When to look again for a progress check if nothing else happens: milliseconds until the
 * deadline has passed (+1 s against timer and clock skew), undefined when not needed (no
 * deadline, no Progressing condition, complete or already timed out).
 */
export function progressCheckDelayMs(
  d: Deployment,
  next: DeploymentStatus,
  now: Date,
): number | undefined {
  const c = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || c === undefined) return undefined;
  if (deploymentComplete(d, next) || c.reason === PROGRESS_DEADLINE_EXCEEDED) return undefined;
  const after =
    (c.lastUpdateTime?.getTime() ?? 0) +
    (d.spec?.progressDeadlineSeconds ?? 0) * 1000 -
    now.getTime();
  return Math.max(0, after) + 1000;
}
